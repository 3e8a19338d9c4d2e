package dev.omnibus.testing.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.Envelope;
import dev.omnibus.ExceptionInfo;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.SendOptions;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.BusObserver;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.Outbound;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Serializer;
import dev.omnibus.testing.conformance.QueueProbe.RawMessage;
import dev.omnibus.testing.conformance.TransportConformanceKit.Good;
import dev.omnibus.testing.conformance.TransportConformanceKit.Work;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Conformance tests of what goes over the wire and how fast the transport hands it over: the
 * configured serializer is the codec on the wire, a body that is garbage in that codec is read by
 * that codec and goes to {@code _error} with its reason, a slow consumer never has more deliveries
 * unsettled than its prefetch, and an expired message never reaches a consumer (nor holds up the
 * ones behind it) and is reported. Part of {@link TransportConformanceKit}.
 */
interface WireConformance {
    @Test
    default void theConfiguredSerializerIsTheCodecOnTheWire() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("wire");
        Serializer configured = kit.serializer();
        Good good = new Good(UUID.randomUUID());
        try (Bus bus = kit.newBus().start()) {
            kit.confirmed(bus.send(Address.queue(queue), good)); // the send declares the queue; nobody consumes it
            QueueProbe wire = kit.probe(queue);
            RawMessage m = wire.awaitMessage(kit.await(), "the message the bus sent", x -> true);

            assertThat(m.header(OutgoingMessage.CONTENT_TYPE)).as("Content-Type on the wire (configured serializer %s)",
                    configured).isEqualTo(configured.contentType());
            assertThat(configured.deserialize(m.body(), m.headers()).message(Good.class))
                    .as("the body read by the configured serializer").isEqualTo(good);
        }
    }

    @Test
    default void bodyThatIsGarbageInTheConfiguredCodecGoesToErrorWithThatCodecsReason() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("garbage");
        Serializer configured = kit.serializer();
        byte[] garbage = {(byte) 0xff, (byte) 0xfe, 0x00, 0x01};
        Headers headers = Headers.of(OutgoingMessage.CONTENT_TYPE, configured.contentType())
                .with(OutgoingMessage.MESSAGE_ID, UUID.randomUUID().toString());
        String reason;
        try {
            configured.deserialize(garbage, headers);
            throw new AssertionError("the kit's garbage body is readable by " + configured + ": pick another");
        } catch (SerializationException e) {
            reason = ExceptionInfo.trim(e.getMessage());
        }
        UUID good = UUID.randomUUID();
        Queue<UUID> consumed = new ConcurrentLinkedQueue<>();
        try (Bus bus = kit.newBus()
                .receiveEndpoint(queue, e -> e.consumer(Good.class, ctx -> consumed.add(ctx.message().id())))
                .start()) {
            QueueProbe errors = kit.probe(queue + "_error");
            kit.confirmed(kit.probeTransport().send(Address.queue(queue), new OutgoingMessage(garbage, headers, null, null)));
            kit.confirmed(bus.send(Address.queue(queue), new Good(good)));

            kit.await().until("the good message sent after the garbage is consumed", () -> consumed.contains(good));
            RawMessage moved = errors.awaitMessage(kit.await(), "the garbage body", m -> Arrays.equals(m.body(), garbage));
            errors.awaitDrained(kit.await());
            assertThat(errors.messages()).as("messages in " + queue + "_error").hasSize(1);
            assertThat(moved.header("MT-Fault-ExceptionType")).as("MT-Fault-ExceptionType")
                    .isEqualTo(SerializationException.class.getName());
            assertThat(moved.header("MT-Fault-Message")).as("MT-Fault-Message: the reason %s (%s) gives", configured,
                    configured.contentType()).isEqualTo(reason);
        }
    }

    @Test
    default void slowConsumerNeverHasMoreDeliveriesUnsettledThanItsPrefetch() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("prefetch");
        int prefetch = 3;
        int total = 12;
        UUID batch = UUID.randomUUID();
        Queue<UUID> consumed = new ConcurrentLinkedQueue<>();
        CountDownLatch hold = new CountDownLatch(1);
        SettlementCountingTransport counting = new SettlementCountingTransport(kit.newTransport());
        try (Bus bus = kit.newBus(counting)
                .receiveEndpoint(queue, e -> e.prefetch(prefetch).consumer(Work.class, ctx -> {
                    hold.await(kit.timeout().toMillis(), TimeUnit.MILLISECONDS); // slow: held until the window is full
                    consumed.add(ctx.message().id());
                }))
                .start()) {
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                sent.add(bus.send(Address.queue(queue), new Work(new UUID(batch.getMostSignificantBits(), i))));
            }
            kit.confirmed(sent);
            kit.await().until("the transport fills the prefetch window of " + prefetch + " while the consumer holds "
                    + "the first message", () -> counting.unsettled(queue), n -> n >= prefetch);
            hold.countDown();
            kit.await().until("all " + total + " messages consumed", consumed::size, n -> n >= total);

            assertThat(counting.mostUnsettled(queue)).as("most deliveries of %s unsettled at once (prefetch %d)", queue,
                    prefetch).isEqualTo(prefetch);
        } finally {
            hold.countDown();
        }
    }

    @Test
    default void expiredMessageIsNeverConsumedAndTheOnesBehindItAre() {
        expired(false);
    }

    /**
     * The contract (see docs/testing.md): an expired message is not consumed, is acknowledged, logged
     * at INFO and reported to {@link BusObserver#expired}, and goes to neither {@code _error} nor
     * {@code _skipped}. The message carries its expiry in the envelope only, so it reaches the bus on
     * every broker.
     */
    @Test
    default void expiredMessageIsReportedToObserversAsExpired() {
        expired(true);
    }

    /**
     * Puts a message whose time to live has passed on an endpoint's queue, below the bus, then a
     * fresh one through the bus; checks the fresh one is consumed, the expired one never is, and,
     * if {@code reported}, that an observer heard of it. With {@code reported} the transport gets
     * no expiry (only the envelope has one), else the message's own.
     */
    private void expired(boolean reported) {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint(reported ? "expired-seen" : "expired");
        UUID expiredId = UUID.randomUUID();
        UUID fresh = UUID.randomUUID();
        Queue<UUID> consumed = new ConcurrentLinkedQueue<>();
        Map<UUID, String> deadLettered = new ConcurrentHashMap<>();
        Map<UUID, String> expiredAt = new ConcurrentHashMap<>();
        List<OutgoingMessage> encoded = new ArrayList<>();
        BusObserver observer = new BusObserver() {
            @Override
            public void deadLettered(String endpoint, Delivery.DeadLetterQueue q, Envelope envelope, Object message,
                    String reason) {
                if (envelope != null && envelope.messageId() != null) {
                    deadLettered.put(envelope.messageId(), String.valueOf(reason));
                }
            }

            @Override
            public void expired(String endpoint, Envelope envelope) {
                expiredAt.put(envelope.messageId(), endpoint);
            }
        };
        try (Bus bus = kit.newBus()
                .observer(observer)
                .receiveEndpoint(queue, e -> e.consumer(Good.class, ctx -> consumed.add(ctx.message().id())))
                .start()) {
            bus.producer(capture(encoded)).send(Address.queue(queue), new Good(expiredId),
                    SendOptions.defaults().withMessageId(expiredId).withTimeToLive(Duration.ofMillis(1)));
            OutgoingMessage m = encoded.get(0);
            Instant expiry = m.expiration();
            assertThat(expiry).as("expiry of a message sent with a time to live").isNotNull();
            kit.await().until("the clock passes the message's expiry " + expiry, () -> Instant.now().isAfter(expiry));
            OutgoingMessage stale = reported ? new OutgoingMessage(m.body(), m.headers(), m.partitionKey(), null) : m;
            kit.confirmed(kit.probeTransport().send(Address.queue(queue), stale));
            kit.confirmed(bus.send(Address.queue(queue), new Good(fresh)));

            kit.await().until("the message sent after the expired one is consumed", () -> consumed.contains(fresh));
            assertThat(consumed).as("messages consumed (the expired one must not be)").doesNotContain(expiredId);
            if (reported) {
                assertThat(expiredAt.get(expiredId)).as("endpoint BusObserver.expired named for the expired message")
                        .isEqualTo(queue);
                assertThat(deadLettered).as("messages moved to _error or _skipped").doesNotContainKey(expiredId);
            }
        }
    }

    private static Outbound capture(List<OutgoingMessage> into) {
        return new Outbound() {
            @Override
            public void publish(MessageType type, OutgoingMessage message) {
                into.add(message);
            }

            @Override
            public void send(Address destination, OutgoingMessage message) {
                into.add(message);
            }

            @Override
            public void schedule(Instant due, Address destination, OutgoingMessage message) {
                into.add(message);
            }
        };
    }
}
