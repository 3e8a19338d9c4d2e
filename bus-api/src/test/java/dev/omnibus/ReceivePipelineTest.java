package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.BusObserver;
import dev.omnibus.spi.Filter;
import dev.omnibus.spi.OutgoingMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The receive pipeline as a chain of named stages: its documented order, expiry, and order kept across a stop. */
class ReceivePipelineTest {
    record Ping(UUID id, int n) {
    }

    static final class Audit implements Filter {
        @Override
        public void filter(ConsumeContext<?> context, Next next) throws Exception {
            next.proceed(context);
        }
    }

    @Test
    void pipelineListsTheBuiltInStagesAndFiltersInTheirDocumentedOrder() {
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .filter(new Audit())
                .receiveEndpoint("plain", e -> e.handler(Ping.class, ctx -> { }))
                .receiveEndpoint("full", e -> e
                        .retry(Retry.immediate(2))
                        .redelivery(Retry.interval(1, Duration.ofSeconds(1)))
                        .filter((ctx, next) -> next.proceed(ctx))
                        .handler(Ping.class, ctx -> { }))
                .build()) {
            assertThat(bus.pipeline("plain")).containsExactly("log-context", "settlement", "size-limit", "decode",
                    "expiry", "resolve-type", "tracing", "bind", "fault", "filter:Audit", "consumers");
            assertThat(bus.pipeline("full")).containsExactly("log-context", "settlement", "size-limit", "decode",
                    "expiry", "resolve-type", "tracing", "bind", "fault", "redelivery", "retry", "filter:Audit", "filter",
                    "consumers");
        }
    }

    @Test
    void filtersRunInTheListedOrderAroundTheConsumer() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .filter((ctx, next) -> {
                    calls.add("bus");
                    next.proceed(ctx);
                })
                .receiveEndpoint("ordered", e -> e
                        .filter((ctx, next) -> {
                            calls.add("endpoint");
                            next.proceed(ctx);
                        })
                        .handler(Ping.class, ctx -> {
                            calls.add("consumer");
                            done.countDown();
                        }))
                .start()) {
            bus.publish(new Ping(UUID.randomUUID(), 1)).get(5, TimeUnit.SECONDS);
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(calls).containsExactly("bus", "endpoint", "consumer");
        }
    }

    @Test
    void aBodyOfExactlyTheLimitIsReadAndOneByteOverGoesToErrorUnread() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        List<OutgoingMessage> captured = new CopyOnWriteArrayList<>();
        // a fixed clock: the sent time's fraction (trailing zeros dropped) would otherwise change the size
        try (Bus sender = Bus.builder().transport(InMemoryTransport.connect(broker)).clock(new FakeClock()).start()) {
            Ping ping = new Ping(UUID.randomUUID(), 7);
            sender.producer(new dev.omnibus.spi.Outbound() {
                @Override
                public void publish(MessageType type, OutgoingMessage message) {
                }

                @Override
                public void send(Address destination, OutgoingMessage message) {
                    captured.add(message);
                }

                @Override
                public void schedule(java.time.Instant due, Address destination, OutgoingMessage message) {
                }
            }).send(Address.queue("sized"), ping);
            int size = captured.get(0).body().length;
            for (int limit : new int[] {size, size - 1}) {
                List<Integer> consumed = new CopyOnWriteArrayList<>();
                try (Bus receiver = Bus.builder().transport(InMemoryTransport.connect(broker)).maxMessageSize(limit)
                        .receiveEndpoint("sized", e -> e.handler(Ping.class, ctx -> consumed.add(ctx.message().n())))
                        .start()) {
                    int errorsBefore = broker.depth("sized_error");
                    sender.send(Address.queue("sized"), ping).get(5, TimeUnit.SECONDS);
                    if (limit == size) {
                        Waits.until("the message at the limit consumed", Duration.ofSeconds(5), () -> consumed.size() == 1);
                        assertThat(broker.depth("sized_error")).isEqualTo(errorsBefore);
                    } else {
                        Waits.until("the message over the limit in _error", Duration.ofSeconds(5),
                                () -> broker.depth("sized_error") == errorsBefore + 1);
                        assertThat(consumed).isEmpty();
                    }
                }
            }
        }
    }

    @Test
    void anExpiredMessageIsNotConsumedAndIsReported() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        FakeClock senderClock = new FakeClock();
        FakeClock receiverClock = new FakeClock();
        receiverClock.advance(Duration.ofHours(1)); // the receiver's clock is an hour ahead: a 1-minute TTL has passed
        List<Object> expired = new CopyOnWriteArrayList<>();
        List<Integer> consumed = new CopyOnWriteArrayList<>();
        try (Bus receiver = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .clock(receiverClock)
                .observer(new BusObserver() {
                    @Override
                    public void expired(String endpoint, Envelope envelope) {
                        expired.add(endpoint + ":" + envelope.messageId());
                    }
                })
                .receiveEndpoint("ttl", e -> e.handler(Ping.class, ctx -> consumed.add(ctx.message().n())))
                .start();
                Bus sender = Bus.builder().transport(InMemoryTransport.connect(broker)).clock(senderClock).start()) {
            UUID id = UUID.randomUUID();
            sender.send(Address.queue("ttl"), new Ping(UUID.randomUUID(), 1),
                    SendOptions.defaults().withMessageId(id).withTimeToLive(Duration.ofMinutes(1))).get(5, TimeUnit.SECONDS);
            sender.send(Address.queue("ttl"), new Ping(UUID.randomUUID(), 2)).get(5, TimeUnit.SECONDS);
            Waits.until("the second message consumed", Duration.ofSeconds(5), () -> !consumed.isEmpty());
            // the second message came after the first on one queue: once it is consumed, the first was handled
            assertThat(consumed).containsExactly(2);
            assertThat(expired).containsExactly("ttl:" + id);
            assertThat(broker.depth("ttl_error")).isZero();
            assertThat(broker.depth("ttl_skipped")).isZero();
        }
    }

    @Test
    void messagesHandedOverButNotStartedGoBackInTheirOrderAtStop() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CompletableFuture<Void> release = new CompletableFuture<>();
        Bus first = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .stopTimeout(Duration.ofSeconds(10))
                .receiveEndpoint("fifo", e -> e
                        .concurrency(1)
                        .prefetch(16)
                        .handler(Ping.class, ctx -> {
                            if (ctx.message().n() == 0) {
                                firstStarted.countDown();
                                release.get(10, TimeUnit.SECONDS);
                            }
                        }))
                .start();
        for (int i = 0; i < 12; i++) {
            // a new correlation id each: no key holds the others back
            first.send(Address.queue("fifo"), new Ping(UUID.randomUUID(), i),
                    SendOptions.defaults().withCorrelationId(UUID.randomUUID())).get(5, TimeUnit.SECONDS);
        }
        assertThat(firstStarted.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(first::stop);
        Waits.until("the 11 waiting messages back in the queue", Duration.ofSeconds(5), () -> broker.depth("fifo") == 11);
        release.complete(null);
        stopping.get(10, TimeUnit.SECONDS);

        List<Integer> order = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(11);
        try (Bus second = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("fifo", e -> e.concurrency(1).handler(Ping.class, ctx -> {
                    order.add(ctx.message().n());
                    all.countDown();
                }))
                .start()) {
            assertThat(all.await(5, TimeUnit.SECONDS)).isTrue();
            List<Integer> expected = new ArrayList<>();
            for (int i = 1; i < 12; i++) {
                expected.add(i);
            }
            assertThat(order).containsExactlyElementsOf(expected);
        }
    }
}
