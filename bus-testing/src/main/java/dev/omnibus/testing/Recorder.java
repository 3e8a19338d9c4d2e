package dev.omnibus.testing;

import dev.omnibus.Address;
import dev.omnibus.ConsumeContext;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.spi.BusObserver;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.OutgoingMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Records what the bus does as {@link HarnessEvent}s, numbering messages in the order first seen. */
final class Recorder implements BusObserver {
    private final VirtualClock clock;
    private final List<HarnessEvent> events = new ArrayList<>();
    private final Map<UUID, Integer> numbers = new HashMap<>();
    private final Map<UUID, UUID> causes = new HashMap<>();

    Recorder(VirtualClock clock) {
        this.clock = clock;
    }

    synchronized List<HarnessEvent> events() {
        return List.copyOf(events);
    }

    /** Which consumed message's consumer produced each message (message id → its cause's id). */
    synchronized Map<UUID, UUID> causes() {
        return Map.copyOf(causes);
    }

    synchronized int numberOf(UUID messageId) {
        if (messageId == null) {
            return 0;
        }
        return numbers.computeIfAbsent(messageId, id -> numbers.size() + 1);
    }

    private synchronized void add(HarnessEvent.Kind kind, Object message, Envelope envelope, Address destination,
            String endpoint, String consumer, Throwable error, String detail) {
        int n = numberOf(envelope == null ? null : envelope.messageId());
        events.add(new HarnessEvent(n, kind, message, envelope, destination, endpoint, consumer, error, detail,
                clock.elapsed()));
    }

    @Override
    public void produced(Envelope envelope, Object message, Address destination, Envelope cause) {
        if (cause != null && cause.messageId() != null && envelope.messageId() != null) {
            synchronized (this) {
                causes.putIfAbsent(envelope.messageId(), cause.messageId());
            }
        }
        add(destination == null ? HarnessEvent.Kind.PUBLISHED : HarnessEvent.Kind.SENT, message, envelope, destination,
                null, null, null, null);
    }

    @Override
    public void consumed(ConsumeContext<?> context, String consumer) {
        add(HarnessEvent.Kind.CONSUMED, context.message(), context.envelope(), null, context.endpoint(), consumer, null,
                null);
    }

    @Override
    public void consumeFailed(ConsumeContext<?> context, String consumer, Throwable error) {
        add(HarnessEvent.Kind.CONSUME_FAILED, context.message(), context.envelope(), null, context.endpoint(), consumer,
                error, null);
    }

    @Override
    public void deadLettered(String endpoint, Delivery.DeadLetterQueue queue, Envelope envelope, Object message,
            String reason) {
        add(queue == Delivery.DeadLetterQueue.ERROR ? HarnessEvent.Kind.FAULTED : HarnessEvent.Kind.SKIPPED, message,
                envelope, null, endpoint, null, null, reason);
    }

    /** A fault injected into the consumption of {@code message}. */
    synchronized void injected(String detail, Envelope envelope, Object message) {
        events.add(new HarnessEvent(numberOf(envelope == null ? null : envelope.messageId()), HarnessEvent.Kind.INJECTED,
                message, envelope, null, null, null, null, detail, clock.elapsed()));
    }

    /** A fault the simulation injected into the delivery of the message with these transport headers. */
    synchronized void injected(String detail, Headers transportHeaders) {
        Object id = transportHeaders.get(OutgoingMessage.MESSAGE_ID);
        UUID messageId = null;
        if (id != null) {
            try {
                messageId = UUID.fromString(id.toString());
            } catch (IllegalArgumentException e) {
                // not one of ours: leave it unnumbered
            }
        }
        Envelope known = null;
        Object message = null;
        for (HarnessEvent e : events) {
            if (e.envelope() != null && messageId != null && messageId.equals(e.envelope().messageId())) {
                known = e.envelope();
                message = e.message();
                break;
            }
        }
        events.add(new HarnessEvent(numberOf(messageId), HarnessEvent.Kind.INJECTED, message, known, null, null, null,
                null, detail, clock.elapsed()));
    }

    /** What was produced, consumed, faulted, skipped and injected, in order. */
    String listing() {
        StringBuilder produced = new StringBuilder();
        StringBuilder consumed = new StringBuilder();
        StringBuilder faulted = new StringBuilder();
        for (HarnessEvent e : events()) {
            StringBuilder to = switch (e.kind()) {
                case PUBLISHED, SENT -> produced;
                case CONSUMED -> consumed;
                case CONSUME_FAILED, FAULTED, SKIPPED, INJECTED -> faulted;
            };
            to.append("  ").append(e.describe()).append(": ").append(e.message()).append('\n');
        }
        return "Published and sent:\n" + orNone(produced) + "Consumed:\n" + orNone(consumed)
                + "Failed, faulted, skipped, injected:\n" + orNone(faulted);
    }

    private static String orNone(StringBuilder b) {
        return b.length() == 0 ? "  (none)\n" : b.toString();
    }
}
