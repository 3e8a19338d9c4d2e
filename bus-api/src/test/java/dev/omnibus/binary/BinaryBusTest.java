package dev.omnibus.binary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.Envelope;
import dev.omnibus.Fault;
import dev.omnibus.Headers;
import dev.omnibus.MessageUrn;
import dev.omnibus.SerializationException;
import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.SerializedMessage;
import dev.omnibus.spi.Serializer;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A bus on the in-memory transport with the binary envelope selected, end to end. */
class BinaryBusTest {
    @MessageUrn("Acme.Orders:SubmitOrder")
    record SubmitOrder(UUID orderId, String customer, BigDecimal total, Instant at, List<String> skus,
            Map<String, Integer> quantities) {
    }

    record OrderAccepted(UUID orderId, int lines) {
    }

    /** Counts its instances, so a test can tell whether a receiver built one. */
    @MessageUrn("Acme.Orders:Canary")
    record Canary(String name) {
        static final AtomicInteger CREATED = new AtomicInteger();

        Canary {
            CREATED.incrementAndGet();
        }
    }

    /** The binary serializer, counting what passes through it. */
    static final class Counting implements Serializer {
        final BinaryEnvelopeSerializer inner = BinaryEnvelopeSerializer.create();
        final AtomicInteger written = new AtomicInteger();
        final AtomicInteger read = new AtomicInteger();

        @Override
        public String contentType() {
            return inner.contentType();
        }

        @Override
        public SerializedMessage serialize(Envelope envelope, Object message) {
            written.incrementAndGet();
            return inner.serialize(envelope, message);
        }

        @Override
        public DecodedMessage deserialize(byte[] body, Headers transportHeaders) {
            read.incrementAndGet();
            return inner.deserialize(body, transportHeaders);
        }
    }

    private static SubmitOrder order() {
        return new SubmitOrder(UUID.randomUUID(), "Zoë", new BigDecimal("12.30"), Instant.parse("2026-01-02T03:04:05.6Z"),
                List.of("a", "b"), Map.of("a", 1));
    }

    @Test
    void publishedMessageIsConsumedThroughTheBinaryEnvelope() throws Exception {
        Counting binary = new Counting();
        CompletableFuture<SubmitOrder> got = new CompletableFuture<>();
        SubmitOrder sent = order();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .serializer(binary)
                .receiveEndpoint("orders", e -> e.consumer(SubmitOrder.class, ctx -> got.complete(ctx.message())))
                .start()) {
            bus.publish(sent).get(5, TimeUnit.SECONDS);

            assertThat(got.get(5, TimeUnit.SECONDS)).isEqualTo(sent);
        }
        assertThat(binary.written.get()).isEqualTo(1);
        assertThat(binary.read.get()).isEqualTo(1);
    }

    @Test
    void requestAndResponseTravelInBinary() throws Exception {
        Counting binary = new Counting();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .serializer(binary)
                .receiveEndpoint("orders", e -> e.consumer(SubmitOrder.class,
                        ctx -> ctx.respond(new OrderAccepted(ctx.message().orderId(), ctx.message().skus().size()))))
                .start()) {
            SubmitOrder sent = order();

            OrderAccepted reply = bus.request(Address.queue("orders"), sent, OrderAccepted.class, Duration.ofSeconds(5),
                    dev.omnibus.SendOptions.defaults())
                    .get(10, TimeUnit.SECONDS);

            assertThat(reply).isEqualTo(new OrderAccepted(sent.orderId(), 2));
        }
        assertThat(binary.written.get()).isEqualTo(2);
        assertThat(binary.read.get()).isEqualTo(2);
    }

    @Test
    void aFailedMessageComesBackAsFaultOfItsTypeInBinary() throws Exception {
        CompletableFuture<Fault<SubmitOrder>> fault = new CompletableFuture<>();
        SubmitOrder sent = order();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .serializer(BinaryEnvelopeSerializer.create())
                .receiveEndpoint("orders", e -> e.consumer(SubmitOrder.class, ctx -> {
                    throw new IllegalStateException("no stock for " + ctx.message().customer());
                }))
                .receiveEndpoint("order-faults", e -> e.faultConsumer(SubmitOrder.class, ctx -> fault.complete(ctx.message())))
                .start()) {
            bus.publish(sent).get(5, TimeUnit.SECONDS);

            Fault<SubmitOrder> f = fault.get(10, TimeUnit.SECONDS);
            assertThat(f.message()).isEqualTo(sent);
            assertThat(f.exceptions().get(0).message()).isEqualTo("no stock for Zoë");
        }
    }

    @Test
    void aTypeTheReceiverDidNotRegisterIsSkippedWithoutBeingBuilt() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        CompletableFuture<SubmitOrder> after = new CompletableFuture<>();
        try (Bus receiver = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .serializer(BinaryEnvelopeSerializer.create())
                .receiveEndpoint("orders", e -> e.consumer(SubmitOrder.class, ctx -> after.complete(ctx.message())))
                .start();
                Bus sender = Bus.builder()
                        .transport(InMemoryTransport.connect(broker))
                        .serializer(BinaryEnvelopeSerializer.create())
                        .start()) {
            Canary canary = new Canary("tweet");
            int built = Canary.CREATED.get();
            sender.send(Address.queue("orders"), canary).get(5, TimeUnit.SECONDS);
            SubmitOrder next = order();
            sender.send(Address.queue("orders"), next).get(5, TimeUnit.SECONDS);

            assertThat(after.get(5, TimeUnit.SECONDS)).isEqualTo(next);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (broker.depth("orders_skipped") < 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(broker.depth("orders_skipped")).isEqualTo(1);
            assertThat(Canary.CREATED.get()).isEqualTo(built);
        }
    }

    @Test
    void theBusMessageSizeLimitStillApplies() {
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .serializer(BinaryEnvelopeSerializer.create())
                .maxMessageSize(512)
                .start()) {
            CompletableFuture<Void> f = bus.publish(new SubmitOrder(UUID.randomUUID(), "x".repeat(1000), null, null,
                    List.of(), Map.of()));

            assertThatThrownBy(f::join).hasCauseInstanceOf(SerializationException.class)
                    .hasMessageContaining("over the limit");
        }
    }
}
