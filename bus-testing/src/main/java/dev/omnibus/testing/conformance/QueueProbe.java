package dev.omnibus.testing.conformance;

import dev.omnibus.Address;
import dev.omnibus.Headers;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.Await;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Reads one queue directly through a started transport, below the bus: every delivery is kept
 * (body and headers) and acknowledged. Used to look into {@code <endpoint>_error} and
 * {@code <endpoint>_skipped}. Thread-safe; the transport's receive thread adds, the test reads.
 */
final class QueueProbe implements AutoCloseable {
    /** Header of the probe's own marker messages (see {@link #awaitDrained}). */
    static final String MARKER_HEADER = "Omnibus-Conformance-Marker";

    /** One message read from the queue. */
    record RawMessage(byte[] body, Headers headers) {
        /** A header as text, or null. */
        String header(String name) {
            return headers.getString(name).orElse(null);
        }

        @Override
        public String toString() {
            return "RawMessage[" + body.length + " bytes, " + headers + "]";
        }
    }

    private final Transport transport;
    private final String queue;
    private final List<RawMessage> messages = new CopyOnWriteArrayList<>();
    private final Set<String> markers = ConcurrentHashMap.newKeySet();
    private final ReceiveHandle handle;

    QueueProbe(Transport transport, String queue) {
        this.transport = transport;
        this.queue = queue;
        this.handle = transport.receive(queue, new ReceiveSettings(10), delivery -> {
            try {
                Object marker = delivery.headers().get(MARKER_HEADER);
                if (marker != null) {
                    markers.add(marker.toString());
                } else {
                    messages.add(new RawMessage(delivery.body().clone(), delivery.headers()));
                }
            } finally {
                delivery.ack();
            }
        });
    }

    /** The queue read. */
    String queue() {
        return queue;
    }

    /** Every message read so far, markers left out. */
    List<RawMessage> messages() {
        return List.copyOf(messages);
    }

    /** Waits for a message matching {@code which} and returns the first one. */
    RawMessage awaitMessage(Await await, String description, Predicate<RawMessage> which) {
        return await.until(description + " in " + queue,
                () -> messages.stream().filter(which).findFirst().orElse(null), Objects::nonNull);
    }

    /**
     * Sends a marker to the queue through the transport and waits until the probe reads it: on a
     * FIFO queue, everything that was in the queue before is read by then. After this,
     * {@link #messages()} shows whether something arrived that should not have.
     */
    void awaitDrained(Await await) {
        String id = UUID.randomUUID().toString();
        OutgoingMessage marker = new OutgoingMessage(id.getBytes(StandardCharsets.UTF_8),
                Headers.of(MARKER_HEADER, id).with(OutgoingMessage.CONTENT_TYPE, "text/plain"), null, null);
        await.done("the transport confirms a marker sent to " + queue,
                transport.send(Address.queue(queue), marker)).join();
        await.until("the marker sent to " + queue + " comes back through it", () -> markers.contains(id));
    }

    @Override
    public void close() {
        handle.close();
    }
}
