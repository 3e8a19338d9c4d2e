package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Outbound;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The scheduler (an outbox relay is one) runs only while the endpoints are declared and receiving. */
class SchedulerLifecycleTest {
    record Backlogged(int n) {
    }

    record Captured(MessageType type, OutgoingMessage message) {
    }

    /** Relays a backlog the moment it starts, as an outbox relay does with rows left from a previous run. */
    static class RelayingScheduler implements Scheduler {
        private final List<Captured> backlog;

        RelayingScheduler(List<Captured> backlog) {
            this.backlog = backlog;
        }

        @Override
        public void start(Transport transport, BusClock clock) {
            for (Captured c : backlog) {
                transport.publish(c.type(), c.message()).join();
            }
        }

        @Override
        public UUID schedule(Instant due, Address destination, OutgoingMessage message) {
            throw new UnsupportedOperationException("not used in this test");
        }

        @Override
        public boolean cancel(UUID token) {
            return false;
        }

        @Override
        public void stop() {
        }
    }

    /** Encodes {@code messages} exactly as a bus does (its own producer into an outbound), without sending them. */
    private static List<Captured> encoded(Object... messages) {
        List<Captured> out = new CopyOnWriteArrayList<>();
        Outbound capture = new Outbound() {
            @Override
            public void publish(MessageType type, OutgoingMessage message) {
                out.add(new Captured(type, message));
            }

            @Override
            public void send(Address destination, OutgoingMessage message) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void schedule(Instant due, Address destination, OutgoingMessage message) {
                throw new UnsupportedOperationException();
            }
        };
        try (Bus encoder = Bus.builder().transport(InMemoryTransport.create()).name("encoder").start()) {
            MessagePublisher publisher = encoder.producer(capture);
            for (Object m : messages) {
                publisher.publish(m);
            }
        }
        return out;
    }

    @Test
    void aBacklogRelayedAtStartReachesTheEndpointsOnce() throws Exception {
        List<Captured> backlog = encoded(new Backlogged(1), new Backlogged(2));
        InMemoryBroker broker = InMemoryBroker.create();
        AtomicInteger consumed = new AtomicInteger();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .scheduler(new RelayingScheduler(backlog))
                .receiveEndpoint("backlog", e -> e.consumer(Backlogged.class, ctx -> consumed.incrementAndGet()))
                .start()) {
            Waits.until("both relayed messages consumed", Duration.ofSeconds(5), () -> consumed.get() >= 2);
            Waits.until("broker idle", Duration.ofSeconds(5), broker::isIdle);
            assertThat(consumed).hasValue(2);
            assertThat(broker.depth("backlog_error")).isZero();
        }
    }

    record FollowUp(int n) {
    }

    @Test
    void aConsumerRunningWhileTheBusStartsCanProduce() throws Exception {
        List<Captured> backlog = encoded(new Backlogged(1));
        java.util.concurrent.CountDownLatch followedUp = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger faults = new AtomicInteger();
        Scheduler relayThenWait = new RelayingScheduler(backlog) {
            @Override
            public void start(Transport transport, BusClock clock) {
                super.start(transport, clock);
                try { // the bus is still starting while the relayed message is consumed
                    followedUp.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .scheduler(relayThenWait)
                .receiveEndpoint("backlog", e -> e.consumer(Backlogged.class, ctx -> {
                    try {
                        ctx.publish(new FollowUp(ctx.message().n())).get(5, TimeUnit.SECONDS);
                    } catch (BusStateException ex) {
                        faults.incrementAndGet();
                        throw ex;
                    }
                }))
                .receiveEndpoint("follow-up", e -> e.consumer(FollowUp.class, ctx -> followedUp.countDown()))
                .start()) {
            assertThat(followedUp.await(5, TimeUnit.SECONDS)).as("the follow-up was consumed").isTrue();
            assertThat(faults).hasValue(0);
        }
    }
}
