package dev.omnibus.testing.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.BusStateException;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.conformance.TransportConformanceKit.Answer;
import dev.omnibus.testing.conformance.TransportConformanceKit.Good;
import dev.omnibus.testing.conformance.TransportConformanceKit.Question;
import dev.omnibus.testing.conformance.TransportConformanceKit.Work;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Conformance tests of the bus life cycle over the transport: a graceful stop loses nothing and
 * starts no consumer call once it began, a consumer blocking past the stop timeout is interrupted
 * and its message goes back, a closed bus leaves no {@code omnibus-*} thread and no broker
 * connection behind, and misuse
 * (starting or stopping twice, producing on a bus that is not running) is a
 * {@link dev.omnibus.BusStateException}. Part of {@link TransportConformanceKit}.
 */
interface LifecycleConformance {
    // ------------------------------------------------------------------------------------------
    // 8. Graceful stop; 1. at-least-once

    @Test
    default void gracefulStopLosesNothing() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("graceful");
        int total = 100;
        int freeRun = 20;
        int concurrency = 4;
        Set<UUID> ids = new HashSet<>();
        Set<UUID> byFirst = ConcurrentHashMap.newKeySet();
        Set<UUID> bySecond = ConcurrentHashMap.newKeySet();
        AtomicInteger entered = new AtomicInteger();
        AtomicInteger completedByFirst = new AtomicInteger();
        CountDownLatch gate = new CountDownLatch(1);
        StopObservingTransport watched = new StopObservingTransport(kit.newTransport());
        try (Bus first = kit.newBus(watched)
                .receiveEndpoint(queue, e -> e.concurrency(concurrency).consumer(Work.class, ctx -> {
                    if (entered.incrementAndGet() > freeRun) {
                        gate.await(kit.timeout().toMillis(), TimeUnit.MILLISECONDS); // in flight until the stop began
                    }
                    byFirst.add(ctx.message().id());
                    completedByFirst.incrementAndGet();
                }))
                .start()) {
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                published.add(first.publish(new Work(id)));
            }
            kit.confirmed(published);
            kit.await().until(freeRun + " messages consumed and " + concurrency + " more in flight", entered::get,
                    n -> n >= freeRun + concurrency);

            CompletableFuture<Void> stopped = inBackground("conformance-stop", first::stop);
            kit.await().until("the stopping bus stops taking deliveries from " + queue,
                    () -> watched.deliveriesStopped(queue));
            gate.countDown();
            kit.await().done("stop() returns once the deliveries in flight finished", stopped).join();

            assertThat(completedByFirst.get()).as("deliveries the first bus completed (those in flight at stop finish)")
                    .isGreaterThanOrEqualTo(freeRun + concurrency);
            assertThat(byFirst.size()).as("messages the first bus consumed (the stop came mid-way)").isLessThan(total);
        } finally {
            gate.countDown();
        }
        Bus second = kit.newBus()
                .receiveEndpoint(queue, e -> e.concurrency(concurrency).consumer(Work.class,
                        ctx -> bySecond.add(ctx.message().id())))
                .start();
        try (second) {
            kit.await().until("every message consumed by one of the two buses", () -> missing(ids, byFirst, bySecond),
                    Set::isEmpty);
        }
    }

    @Test
    default void noConsumerCallStartsAfterTheStopBegan() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("no-start");
        int total = 40;
        int concurrency = 4;
        Set<UUID> ids = new HashSet<>();
        Set<UUID> byFirst = ConcurrentHashMap.newKeySet();
        Set<UUID> bySecond = ConcurrentHashMap.newKeySet();
        AtomicInteger entered = new AtomicInteger();
        AtomicBoolean stopBegan = new AtomicBoolean();
        AtomicInteger startedAfterStopBegan = new AtomicInteger();
        CountDownLatch gate = new CountDownLatch(1);
        StopObservingTransport watched = new StopObservingTransport(kit.newTransport());
        try (Bus first = kit.newBus(watched)
                .receiveEndpoint(queue, e -> e.concurrency(concurrency).consumer(Work.class, ctx -> {
                    if (stopBegan.get()) {
                        startedAfterStopBegan.incrementAndGet();
                    }
                    entered.incrementAndGet();
                    byFirst.add(ctx.message().id());
                    gate.await(kit.timeout().toMillis(), TimeUnit.MILLISECONDS);
                }))
                .start()) {
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                sent.add(first.send(Address.queue(queue), new Work(id)));
            }
            kit.confirmed(sent);
            // every worker is held inside a consumer call: none can start another until the gate opens
            kit.await().until("all " + concurrency + " workers inside a consumer call", entered::get, n -> n >= concurrency);
            stopBegan.set(true);
            CompletableFuture<Void> stopped = inBackground("conformance-stop", first::stop);
            kit.await().until("the stopping bus stops taking deliveries from " + queue,
                    () -> watched.deliveriesStopped(queue));
            gate.countDown();
            kit.await().done("stop() returns once the calls in flight finished", stopped).join();

            assertThat(startedAfterStopBegan.get()).as("consumer calls that started after stop() began").isZero();
            assertThat(entered.get()).as("consumer calls on the stopped bus (only those in flight when it began)")
                    .isEqualTo(concurrency);
        } finally {
            gate.countDown();
        }
        Bus second = kit.newBus()
                .receiveEndpoint(queue, e -> e.concurrency(concurrency).consumer(Work.class,
                        ctx -> bySecond.add(ctx.message().id())))
                .start();
        try (second) {
            kit.await().until("every message consumed by one of the two buses", () -> missing(ids, byFirst, bySecond),
                    Set::isEmpty);
        }
    }

    @Test
    default void closedBusLeavesNoThreadAndNoConnectionBehind() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("leak");
        String name = kit.busName();
        UUID id = UUID.randomUUID();
        Set<UUID> consumed = ConcurrentHashMap.newKeySet();
        Set<Thread> before = omnibusThreads();
        Bus bus = kit.newBus(kit.newTransport(), name)
                .receiveEndpoint(queue, e -> e.concurrency(2).consumer(Good.class, ctx -> consumed.add(ctx.message().id())))
                .start();
        int connections;
        try {
            kit.confirmed(bus.send(Address.queue(queue), new Good(id)));
            kit.await().until("the bus consumes a message (its threads are running)", () -> consumed.contains(id));
            assertThat(newThreads(before)).as("omnibus-* threads the running bus started").isNotEmpty();
            connections = kit.openConnections(name);
            if (connections >= 0) {
                assertThat(connections).as("broker connections of the running bus " + name + " (openConnections hook)")
                        .isPositive();
            }
        } finally {
            bus.close();
        }
        kit.await().until("every omnibus-* thread the bus started has ended after close()", () -> newThreads(before),
                List::isEmpty);
        if (connections >= 0) {
            kit.await().until("the broker shows no connection of bus " + name + " after close()",
                    () -> kit.openConnections(name), n -> n == 0);
        }
    }

    @Test
    default void consumerBlockingPastTheStopTimeoutIsInterruptedAndItsMessageGoesBack() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("stuck");
        Duration stopTimeout = Duration.ofMillis(200);
        UUID id = UUID.randomUUID();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicReference<Boolean> redelivered = new AtomicReference<>();
        QueueProbe errors;
        try (Bus first = kit.newBus()
                .stopTimeout(stopTimeout)
                .receiveEndpoint(queue, e -> e.consumer(Work.class, ctx -> {
                    if (!ctx.message().id().equals(id)) {
                        return;
                    }
                    entered.countDown();
                    try {
                        never.await();
                    } catch (InterruptedException ie) {
                        interrupted.set(true);
                        throw ie;
                    }
                }))
                .start()) {
            errors = kit.probe(queue + "_error");
            kit.confirmed(first.send(Address.queue(queue), new Work(id)));
            kit.await().until("the consumer is blocked on the message", () -> entered.getCount() == 0);

            long start = System.nanoTime();
            CompletableFuture<Void> stopped = inBackground("conformance-stop", first::stop);
            kit.await().done("stop() returns although a consumer blocks", stopped).join();
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).as("time stop() took with a consumer blocked past the stop timeout of " + stopTimeout)
                    .isGreaterThanOrEqualTo(stopTimeout)
                    .isLessThan(stopTimeout.plusSeconds(5));
            kit.await().until("the blocked consumer is interrupted", interrupted::get);
        } finally {
            never.countDown();
        }
        Bus second = kit.newBus()
                .receiveEndpoint(queue, e -> e.consumer(Work.class, ctx -> {
                    if (ctx.message().id().equals(id)) {
                        redelivered.compareAndSet(null, ctx.redelivered());
                    }
                }))
                .start();
        try (second) {
            kit.await().until("a new bus on " + queue + " consumes the interrupted message", redelivered::get,
                    r -> r != null);
            assertThat(redelivered.get()).as("ConsumeContext.redelivered() of the message that went back").isTrue();
            errors.awaitDrained(kit.await());
            assertThat(errors.messages()).as("messages in " + queue + "_error").isEmpty();
        }
    }


    // ------------------------------------------------------------------------------------------
    // Life cycle misuse

    @Test
    default void startingABusTwiceIsABusStateException() {
        KitContext kit = KitContext.of(this);
        try (Bus bus = kit.newBus().receiveEndpoint(kit.endpoint("twice"), e -> e.consumer(Good.class, ctx -> { })).start()) {
            assertThatThrownBy(bus::start).as("start() on a running bus")
                    .isInstanceOf(BusStateException.class).hasMessageContaining("start");
            bus.stop();
            assertThatThrownBy(bus::start).as("start() on a stopped bus")
                    .isInstanceOf(BusStateException.class).hasMessageContaining("start");
        }
    }

    @Test
    default void stoppingABusTwiceIsABusStateException() {
        KitContext kit = KitContext.of(this);
        Bus bus = kit.newBus().receiveEndpoint(kit.endpoint("stop2"), e -> e.consumer(Good.class, ctx -> { })).start();
        try {
            bus.stop();
            assertThatThrownBy(bus::stop).as("stop() on a stopped bus")
                    .isInstanceOf(BusStateException.class).hasMessageContaining("stop");
        } finally {
            bus.close(); // and close() after stop is quiet
        }
    }

    @Test
    default void producingOnABusThatIsNotRunningIsABusStateException() {
        KitContext kit = KitContext.of(this);
        Transport unused = kit.newTransport();
        kit.closeAfterTest(unused);
        Bus notStarted = kit.configureBus(Bus.builder().transport(unused).name(kit.busName())).build();
        assertThatThrownBy(() -> notStarted.publish(new Good(UUID.randomUUID()))).as("publish() before start()")
                .isInstanceOf(BusStateException.class).hasMessageContaining("start");
        notStarted.close(); // quiet on a bus never started

        String queue = kit.endpoint("after");
        Bus bus = kit.newBus().receiveEndpoint(queue, e -> e.consumer(Good.class, ctx -> { })).start();
        bus.stop();
        assertThatThrownBy(() -> bus.publish(new Good(UUID.randomUUID()))).as("publish() after stop()")
                .isInstanceOf(BusStateException.class).hasMessageContaining("stop");
        assertThatThrownBy(() -> bus.send(Address.queue(queue), new Good(UUID.randomUUID()))).as("send() after stop()")
                .isInstanceOf(BusStateException.class).hasMessageContaining("stop");
        assertThatThrownBy(() -> bus.request(new Question("late?"), Answer.class, kit.timeout())).as("request() after stop()")
                .isInstanceOf(BusStateException.class).hasMessageContaining("stop");
    }


    /**
     * Live threads named {@code omnibus-*}, except {@code omnibus-timer}: that one belongs to the
     * JVM-wide system clock every bus shares (started on first use, never per bus).
     */
    private static Set<Thread> omnibusThreads() {
        Set<Thread> out = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("omnibus-") && !t.getName().equals("omnibus-timer")) {
                out.add(t);
            }
        }
        return out;
    }

    /** Names of omnibus-* threads alive now that were not alive in {@code before}. */
    private static List<String> newThreads(Set<Thread> before) {
        List<String> out = new ArrayList<>();
        for (Thread t : omnibusThreads()) {
            if (!before.contains(t)) {
                out.add(t.getName());
            }
        }
        return out;
    }

    private static Set<UUID> missing(Set<UUID> all, Set<UUID> a, Set<UUID> b) {
        Set<UUID> left = new HashSet<>(all);
        left.removeAll(a);
        left.removeAll(b);
        return left;
    }

    private static CompletableFuture<Void> inBackground(String name, Runnable action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                action.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return done;
    }
}
