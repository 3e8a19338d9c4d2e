package dev.omnibus.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.MessageType;
import dev.omnibus.SendOptions;
import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.outbox.kit.Databases;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.ForwardingTransport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A relay pass whose send hangs past the pass timeout ({@code sendTimeout}): the pass ends, the
 * hung row and the rows after it in its key go again in a later pass, and when the hung send
 * completes long after, nothing more of that key leaves from the dead pass (it used to carry on
 * with the rest of the key, sending them a second time behind the next pass's back).
 */
class RelayPassTimeoutTest {
    record OrderPlaced(UUID orderId, int n) {
    }

    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(5));

    /** Holds the first send of message {@code n = hangN} (not delivered) and counts every send per n. */
    static final class HangingTransport extends ForwardingTransport {
        final Map<Integer, AtomicInteger> sends = new ConcurrentHashMap<>();
        final CompletableFuture<Void> held = new CompletableFuture<>();
        private final int hangN;
        private final AtomicInteger hung = new AtomicInteger();

        HangingTransport(Transport delegate, int hangN) {
            super(delegate);
            this.hangN = hangN;
        }

        private static int n(OutgoingMessage m) {
            String body = new String(m.body(), StandardCharsets.UTF_8);
            int i = body.indexOf("\"n\":");
            return Integer.parseInt(body.substring(i + 4).split("[,}]")[0]);
        }

        private CompletableFuture<Void> pass(OutgoingMessage m, java.util.function.Supplier<CompletableFuture<Void>> send) {
            int n = n(m);
            sends.computeIfAbsent(n, k -> new AtomicInteger()).incrementAndGet();
            if (n == hangN && hung.getAndIncrement() == 0) {
                return held; // the broker never answers this one (in time)
            }
            return send.get();
        }

        @Override
        public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
            return pass(message, () -> delegate().send(destination, message));
        }

        @Override
        public CompletableFuture<Void> publish(MessageType type, OutgoingMessage message) {
            return pass(message, () -> delegate().publish(type, message));
        }

        @Override
        public List<CompletableFuture<Void>> sendAll(Address destination, List<OutgoingMessage> messages) {
            return messages.stream().map(m -> send(destination, m)).toList();
        }

        @Override
        public List<CompletableFuture<Void>> publishAll(MessageType type, List<OutgoingMessage> messages) {
            return messages.stream().map(m -> publish(type, m)).toList();
        }

        int sends(int n) {
            AtomicInteger c = sends.get(n);
            return c == null ? 0 : c.get();
        }
    }

    private static long pending(JdbcOutbox outbox) {
        try {
            return outbox.pending();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aPassThatTimesOutStopsItsKeyAndTheLateConfirmationSendsNothingMore() throws Exception {
        int n = 6;
        try (Databases.Db db = Databases.h2()) {
            JdbcOutbox outbox = JdbcOutbox.builder(db.dataSource()).pollInterval(Duration.ofMillis(50))
                    .backoff(Duration.ofMillis(20), Duration.ofMillis(100)).sendTimeout(Duration.ofMillis(300)).build();
            outbox.migrate();
            // one key; sends and publishes alternate, so each row is a run of its own, sent after the previous one's confirmation
            try (Bus writer = Bus.builder().transport(InMemoryTransport.create()).start()) {
                outbox.inTransaction(writer, (c, p) -> {
                    for (int i = 0; i < n; i++) {
                        SendOptions key = SendOptions.defaults().withPartitionKey("customer-1");
                        if (i % 2 == 0) {
                            p.send(Address.queue("orders"), new OrderPlaced(UUID.randomUUID(), i), key);
                        } else {
                            p.publish(new OrderPlaced(UUID.randomUUID(), i), key);
                        }
                    }
                });
            }
            InMemoryBroker broker = InMemoryBroker.create();
            List<Integer> consumed = new CopyOnWriteArrayList<>();
            HangingTransport transport = new HangingTransport(InMemoryTransport.connect(broker), 1);
            try (Bus consumer = Bus.builder().transport(InMemoryTransport.connect(broker))
                    .receiveEndpoint("orders", e -> e.concurrency(1).consumer(OrderPlaced.class, ctx -> consumed.add(ctx.message().n())))
                    .start();
                    Bus relay = Bus.builder().transport(transport).scheduler(outbox.scheduler()).start()) {
                AWAIT.until("every row sent and removed", () -> pending(outbox) == 0);
                AWAIT.until("the broker idle", broker::isIdle);
                assertThat(consumed).as("consumed before the hung send completes").containsExactly(0, 1, 2, 3, 4, 5);
                assertThat(transport.sends(1)).as("row 1: the hung send, then the later pass's").isEqualTo(2);

                transport.held.complete(null); // the broker finally answers the dead pass's send
                AWAIT.until("the broker idle", broker::isIdle);
                assertThat(consumed).as("consumed after the late confirmation").containsExactly(0, 1, 2, 3, 4, 5);
                for (int i = 2; i < n; i++) {
                    assertThat(transport.sends(i)).as("sends of row %d, after the hung one", i).isEqualTo(1);
                }
                assertThat(transport.sends(0)).as("row 0, confirmed before the hang").isEqualTo(1);
                assertThat(outbox.pending()).isZero();
            }
        }
    }
}
