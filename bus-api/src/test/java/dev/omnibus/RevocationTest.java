package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.json.JsonEnvelopeSerializer;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.SerializedMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A transport that loses a scope (a Kafka partition in a rebalance) tells the bus: deliveries of that
 * scope not yet started are dropped unsettled, and one whose scope became invalid while it ran is not
 * settled either. The deliveries here are handed over by the test, as a log transport would.
 */
class RevocationTest {
    record Ping(UUID id, int n) {
    }

    /** A delivery of a scope, counting its settlements. */
    static final class ScopedDelivery implements Delivery {
        final byte[] body;
        final dev.omnibus.Headers headers;
        final String scope;
        volatile boolean valid = true;
        volatile RuntimeException ackFailure;
        final AtomicInteger settlements = new AtomicInteger();

        ScopedDelivery(SerializedMessage m, String scope) {
            this.body = m.body();
            this.headers = dev.omnibus.Headers.of(java.util.Map.of("Content-Type", m.contentType()));
            this.scope = scope;
        }

        @Override
        public byte[] body() {
            return body;
        }

        @Override
        public dev.omnibus.Headers headers() {
            return headers;
        }

        @Override
        public String queue() {
            return "log";
        }

        @Override
        public String orderingKey() {
            return null;
        }

        @Override
        public String scope() {
            return scope;
        }

        @Override
        public boolean isValid() {
            return valid;
        }

        private CompletionStage<Void> settle() {
            settlements.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> ack() {
            settle();
            return ackFailure == null ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(ackFailure);
        }

        @Override
        public CompletionStage<Void> requeue() {
            return settle();
        }

        @Override
        public CompletionStage<Void> deadLetter(DeadLetterQueue queue, dev.omnibus.Headers extraHeaders) {
            return settle();
        }
    }

    @Test
    void deliveriesOfARevokedScopeAreNeitherRunNorSettled() throws Exception {
        List<DeliveryHandler> handlers = new CopyOnWriteArrayList<>();
        InMemoryTransport memory = InMemoryTransport.create();
        CapabilitiesTest.Capable transport = new CapabilitiesTest.Capable(memory.capabilities(), null) {
            @Override
            public ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler) {
                if (queue.equals("log")) {
                    handlers.add(handler);
                }
                return super.receive(queue, settings, handler);
            }
        };
        CountDownLatch firstRunning = new CountDownLatch(1);
        CompletableFuture<Void> release = new CompletableFuture<>();
        List<Integer> consumed = new CopyOnWriteArrayList<>();
        try (Bus bus = Bus.builder()
                .transport(transport)
                .receiveEndpoint("log", e -> e.concurrency(1).handler(Ping.class, ctx -> {
                    if (ctx.message().n() == 0) {
                        firstRunning.countDown();
                        release.get(10, TimeUnit.SECONDS);
                    }
                    consumed.add(ctx.message().n());
                }))
                .start()) {
            DeliveryHandler handler = handlers.get(0);
            ScopedDelivery running = delivery(bus, 0, "log-0");
            ScopedDelivery waitingRevoked = delivery(bus, 1, "log-0");
            ScopedDelivery waitingKept = delivery(bus, 2, "log-1");
            handler.onDeliveries(List.of(running, waitingRevoked, waitingKept));
            assertThat(firstRunning.await(5, TimeUnit.SECONDS)).isTrue();

            running.valid = false; // the partition went to another member while its record ran
            handler.onRevoked("log-0");
            release.complete(null);

            Waits.until("the kept scope's delivery settled", Duration.ofSeconds(5), () -> waitingKept.settlements.get() == 1);
            assertThat(consumed).containsExactly(0, 2);
            assertThat(running.settlements).hasValue(0);
            assertThat(waitingRevoked.settlements).hasValue(0);
        }
    }

    @Test
    void anAckTheBrokerRefusesIsReportedWithItsMessage() throws Exception {
        List<DeliveryHandler> handlers = new CopyOnWriteArrayList<>();
        CapabilitiesTest.Capable transport = new CapabilitiesTest.Capable(InMemoryTransport.create().capabilities(), null) {
            @Override
            public ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler) {
                if (queue.equals("log")) {
                    handlers.add(handler);
                }
                return super.receive(queue, settings, handler);
            }
        };
        List<String> failed = new CopyOnWriteArrayList<>();
        try (Bus bus = Bus.builder()
                .transport(transport)
                .observer(new dev.omnibus.spi.BusObserver() {
                    @Override
                    public void settlementFailed(String endpoint, Envelope envelope, String settlement, Throwable error) {
                        failed.add(endpoint + " " + settlement + " " + envelope.messageId() + " " + error.getMessage());
                    }
                })
                .receiveEndpoint("log", e -> e.handler(Ping.class, ctx -> { }))
                .start()) {
            ScopedDelivery d = delivery(bus, 1, "log-0");
            d.ackFailure = new TransportException("channel closed", null, true);
            handlers.get(0).onDelivery(d);
            Waits.until("the failed ack reported", Duration.ofSeconds(5), () -> !failed.isEmpty());
            assertThat(failed).singleElement().satisfies(f -> assertThat(f).startsWith("log ack ").endsWith(" channel closed"));
            assertThat(d.settlements).hasValue(1);
        }
    }

    private static ScopedDelivery delivery(Bus bus, int n, String scope) {
        MessageType type = bus.messageTypes().typeOf(Ping.class);
        Envelope envelope = new Envelope(UUID.randomUUID(), null, null, UUID.randomUUID(), null, null, null, null, null,
                type.messageTypes(), Instant.now(), null, Headers.empty(), HostInfo.current());
        return new ScopedDelivery(JsonEnvelopeSerializer.create().serialize(envelope, new Ping(UUID.randomUUID(), n)), scope);
    }
}
