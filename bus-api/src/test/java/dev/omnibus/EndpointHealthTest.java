package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.EndpointHealth.Status;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Bus#health()} and what an endpoint does when its transport reports that the receive loop
 * stopped: it subscribes again with backoff (declaring itself first), counts the recovery, keeps the
 * last error, and gives up only on an error a retry does not fix. The in-memory transport, wrapped to
 * report a stopped loop the way a broker transport does, and to refuse chosen resubscriptions.
 */
class EndpointHealthTest {
    record Ping(UUID id) {
    }

    /** The in-memory transport; it remembers each queue's handler and can refuse the next receives. */
    static final class ReportingTransport extends DelegatingTransport {
        final Map<String, DeliveryHandler> handlers = new ConcurrentHashMap<>();
        final Queue<RuntimeException> refusals = new ArrayDeque<>();
        final AtomicInteger receives = new AtomicInteger();
        final AtomicInteger declares = new AtomicInteger();
        final AtomicInteger closedHandles = new AtomicInteger();

        ReportingTransport() {
            super(InMemoryTransport.create());
        }

        @Override
        public ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler) {
            receives.incrementAndGet();
            RuntimeException refusal;
            synchronized (refusals) {
                refusal = refusals.poll();
            }
            if (refusal != null) {
                throw refusal;
            }
            handlers.put(queue, handler);
            ReceiveHandle h = delegate.receive(queue, settings, handler);
            return new ReceiveHandle() {
                @Override
                public void stopDeliveries() {
                    h.stopDeliveries();
                }

                @Override
                public void close() {
                    closedHandles.incrementAndGet();
                    h.close();
                }
            };
        }

        @Override
        public void declareEndpoint(EndpointTopology topology) {
            declares.incrementAndGet();
            delegate.declareEndpoint(topology);
        }
    }

    private final ReportingTransport transport = new ReportingTransport();
    private final AtomicInteger consumed = new AtomicInteger();
    private final Bus bus = Bus.builder()
            .transport(transport)
            .receiveEndpoint("health", e -> e.consumer(Ping.class, c -> consumed.incrementAndGet()))
            .start();

    @AfterEach
    void close() {
        bus.close();
    }

    private EndpointHealth endpoint() {
        return bus.health().endpoints().get(0);
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        Waits.until(what, Duration.ofSeconds(20), condition);
    }


    @Test
    void aRunningBusIsHealthy() {
        assertThat(bus.health().healthy()).isTrue();
        assertThat(endpoint()).satisfies(e -> {
            assertThat(e.endpoint()).isEqualTo("health");
            assertThat(e.status()).isEqualTo(Status.RUNNING);
            assertThat(e.lastError()).isNull();
            assertThat(e.recoveries()).isZero();
        });
    }

    @Test
    void aStoppedLoopIsRecoveringAtOnceThenSubscribedAgainAfterARefusal() {
        synchronized (transport.refusals) {
            transport.refusals.add(new TransportException("broker busy", null, true));
        }
        int declaresBefore = transport.declares.get();
        int receivesBefore = transport.receives.get(); // the endpoint's and the bus's reply queue's
        long start = System.nanoTime();
        transport.handlers.get("health").onReceiveStopped(new TransportException("consumer cancelled", null, true));

        assertThat(endpoint().status()).isEqualTo(Status.RECOVERING);
        assertThat(endpoint().lastError()).contains("consumer cancelled");
        assertThat(bus.health().healthy()).isFalse();
        assertThat(bus.health().unhealthy()).extracting(EndpointHealth::endpoint).containsExactly("health");

        await("subscribed again", () -> endpoint().status() == Status.RUNNING);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        // 100 ms, refused, then 200 ms: at least 300 ms; far less than the 30 s cap
        assertThat(tookMs).isBetween(290L, 15_000L);
        assertThat(transport.receives.get() - receivesBefore).as("a refused subscription, a good one").isEqualTo(2);
        assertThat(transport.declares.get() - declaresBefore).as("declared before each attempt").isEqualTo(2);
        assertThat(transport.closedHandles.get()).as("the stopped loop's handle closed").isEqualTo(1);
        assertThat(endpoint().recoveries()).isEqualTo(1);
        assertThat(endpoint().lastError()).contains("broker busy");

        bus.send(Address.queue("health"), new Ping(UUID.randomUUID())).join();
        await("consumed through the new subscription", () -> consumed.get() == 1);
    }

    @Test
    void anErrorARetryCannotFixLeavesTheEndpointFailed() {
        synchronized (transport.refusals) {
            transport.refusals.add(new TransportException("queue 'health' is exclusive to another connection", null, false));
        }
        transport.handlers.get("health").onReceiveStopped(new IllegalStateException("loop died"));
        await("failed", () -> endpoint().status() == Status.FAILED);
        assertThat(endpoint().lastError()).contains("exclusive to another connection");
        assertThat(bus.health().healthy()).isFalse();
        int receives = transport.receives.get();
        // the next attempt would come 200 ms after the refusal: wait past it on a second, observable clock
        long until = System.nanoTime() + Duration.ofMillis(600).toNanos();
        await("600 ms passed", () -> System.nanoTime() > until);
        assertThat(transport.receives.get()).as("no further attempt").isEqualTo(receives);
        assertThat(endpoint().status()).isEqualTo(Status.FAILED);
    }

    @Test
    void aConnectionRecoveringByItselfIsReportedAndCountedWhenBack() {
        DeliveryHandler h = transport.handlers.get("health");
        int receivesBefore = transport.receives.get();
        h.onReceiveInterrupted(new TransportException("connection reset", null, true));
        assertThat(endpoint().status()).isEqualTo(Status.RECOVERING);
        assertThat(endpoint().lastError()).contains("connection reset");
        h.onReceiveResumed();
        assertThat(endpoint().status()).isEqualTo(Status.RUNNING);
        assertThat(endpoint().recoveries()).isEqualTo(1);
        assertThat(transport.receives.get()).as("the transport recovered it: no new subscription").isEqualTo(receivesBefore);
    }

    @Test
    void aStopReportedAfterTheBusStoppedSubscribesNothing() {
        DeliveryHandler h = transport.handlers.get("health");
        int receivesBefore = transport.receives.get();
        bus.stop();
        assertThat(endpoint().status()).isEqualTo(Status.STOPPED);
        h.onReceiveStopped(new TransportException("late", null, true));
        assertThat(endpoint().status()).isEqualTo(Status.STOPPED);
        assertThat(transport.receives.get()).isEqualTo(receivesBefore);
    }
}
