package dev.omnibus.testing;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.BusBuilder;
import dev.omnibus.SendOptions;
import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryScheduler;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.testing.HarnessEvent.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A bus for tests: the user's endpoints on an in-process transport, a {@link VirtualClock} that
 * owns every timer, a record of everything published, sent, consumed, faulted and skipped, and
 * one-line assertions that wait with a deadline instead of sleeping.
 *
 * <pre>{@code
 * try (TestHarness harness = TestHarness.builder()
 *         .configure(bus -> bus.receiveEndpoint("orders", e -> e.consumer(OrderSubmitted.class, new OrderConsumer())))
 *         .start()) {
 *     harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
 *     harness.assertSent(ProcessPayment.class, p -> p.orderId().equals(id));
 *     harness.advance(Duration.ofHours(1));   // timers due in the next hour fire now
 * }
 * }</pre>
 *
 * <h2>Two modes</h2>
 * <ul>
 *   <li><b>Threaded</b> (default): the in-memory transport and the bus's own threads, as in
 *       production. Assertions poll until their condition holds or the timeout (default 5 s) passes.</li>
 *   <li><b>Deterministic</b> ({@link Builder#deterministic(long)}): a simulated broker delivers one
 *       message at a time, chosen by a seeded random source, and waits for it to settle before the
 *       next; the same seed gives the same interleaving and the same {@link #timeline()}. A
 *       {@link FaultPlan} injects duplicates, reordering, lost acks, crashes and failing consumer
 *       calls from the same seed. Assertions first run the simulation until nothing is deliverable,
 *       then check. {@link Simulation} runs a scenario over many seeds and names the seed that fails.</li>
 * </ul>
 *
 * <h2>Failures</h2>
 * A failed assertion throws {@link AssertionError} listing what was published, sent, consumed,
 * faulted and skipped, in order, and the conversation timeline.
 *
 * <p>The harness is used from the test's thread. Close it (try-with-resources, or the JUnit
 * extension {@link BusTest} does it) to stop the bus.
 */
public final class TestHarness implements AutoCloseable {
    private Bus bus;
    private final VirtualClock clock;
    private final Recorder recorder;
    private final InMemoryBroker broker;
    private final SimulatedTransport simulation;
    private final Simulator simulator;
    private final Builder builder;
    private final Duration timeout;
    private final Long seed;
    private final int maxSteps;

    private TestHarness(Builder b) {
        this.clock = new VirtualClock();
        this.recorder = new Recorder(clock);
        this.builder = b;
        this.timeout = b.timeout;
        this.seed = b.seed;
        this.maxSteps = b.maxSteps;
        if (b.seed != null) {
            Decisions decisions = Simulation.decisionsFor(b.seed);
            this.simulator = new Simulator(b.seed, decisions, clock, timeout.toMillis());
            this.simulation = new SimulatedTransport(decisions, b.faults, recorder::injected);
            simulator.transport(simulation);
            this.broker = null;
            dev.omnibus.spi.Interleaving.activate();
            dev.omnibus.spi.Interleaving.bind(simulator, null); // ids made on the test's thread come from the seed
        } else {
            if (!b.faults.equals(FaultPlan.none()) && (b.faults.duplicate() > 0 || b.faults.reorder() > 0
                    || b.faults.dropAck() > 0 || b.faults.crash() > 0)) {
                throw new IllegalStateException("delivery faults need the deterministic mode: call deterministic(seed)");
            }
            this.simulation = null;
            this.simulator = null;
            this.broker = InMemoryBroker.create();
        }
        this.bus = newBus();
    }

    /** A bus from the builder's configuration, on this harness's transport and clock. */
    private Bus newBus() {
        BusBuilder bus = Bus.builder().clock(clock).scheduler(new InMemoryScheduler()).observer(recorder)
                .stopTimeout(timeout).name("harness"); // a test should not wait 30 s for a stuck consumer
        if (simulator != null) {
            bus.transport(simulation).executionControl(simulator);
        } else {
            bus.transport(InMemoryTransport.connect(broker));
        }
        if (!builder.faults.failures().isEmpty()) {
            bus.filter(ConsumerFailures.filter(builder.faults.failures(), recorder));
        }
        builder.configure.accept(bus);
        return bus.build();
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a harness. */
    public static final class Builder {
        private Consumer<BusBuilder> configure = b -> { };
        private Duration timeout = Duration.ofSeconds(5);
        private Long seed;
        private FaultPlan faults = FaultPlan.none();
        private int maxSteps = 10_000;

        private Builder() {
        }

        /**
         * Configures the bus: endpoints, consumers, filters. The harness sets the transport, clock,
         * scheduler and an observer; leave those alone.
         */
        public Builder configure(Consumer<BusBuilder> configure) {
            Consumer<BusBuilder> before = this.configure;
            Consumer<BusBuilder> next = Objects.requireNonNull(configure, "configure");
            this.configure = b -> {
                before.accept(b);
                next.accept(b);
            };
            return this;
        }

        /** How long an assertion waits (threaded) or a delivery may take to settle (deterministic). Default 5 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Runs deterministically from {@code seed}. */
        public Builder deterministic(long seed) {
            this.seed = seed;
            return this;
        }

        /** The faults to inject (delivery faults need {@link #deterministic(long)}). */
        public Builder faults(FaultPlan faults) {
            this.faults = Objects.requireNonNull(faults, "faults");
            return this;
        }

        /** The most deliveries one run of the simulation may take before it is declared looping (default 10,000). */
        public Builder maxSteps(int maxSteps) {
            this.maxSteps = maxSteps;
            return this;
        }

        /** Builds and starts the harness's bus. */
        public TestHarness start() {
            TestHarness h = new TestHarness(this);
            h.bus.start();
            return h;
        }
    }

    /** The bus under test. */
    public Bus bus() {
        return bus;
    }

    /** The virtual clock that owns the bus's timers. */
    public VirtualClock clock() {
        return clock;
    }

    /** The seed of a deterministic harness, if it is one. */
    public Optional<Long> seed() {
        return Optional.ofNullable(seed);
    }

    /** Publishes and waits until the transport has it. */
    public void publish(Object message) {
        publish(message, SendOptions.defaults());
    }

    public void publish(Object message, SendOptions options) {
        join(bus.publish(message, options));
    }

    /** Sends and waits until the transport (or, when delayed, the scheduler) has it. */
    public void send(Address destination, Object message) {
        send(destination, message, SendOptions.defaults());
    }

    public void send(Address destination, Object message, SendOptions options) {
        join(bus.send(destination, message, options));
    }

    private void join(java.util.concurrent.CompletableFuture<Void> f) {
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the transport did not take the message: " + e, e);
        }
    }

    /**
     * Moves virtual time on by {@code duration}: every scheduled message, delayed redelivery and
     * request timeout due in that span fires, in due order, without real waiting; after each due time
     * the bus runs until idle (in the deterministic mode, until nothing is deliverable), so what a
     * timer causes happens at that time, before later timers fire.
     */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time does not go back: " + duration);
        }
        java.time.Instant until = clock.now().plus(duration);
        runUntilIdle();
        for (java.time.Instant next = clock.nextDue(); next != null && !next.isAfter(until); next = clock.nextDue()) {
            clock.advance(Duration.between(clock.now(), next)); // each due time in turn: what it causes runs then
            runUntilIdle();
        }
        clock.advance(Duration.between(clock.now(), until));
        runUntilIdle();
    }

    /** Every event so far, in order. */
    public List<HarnessEvent> events() {
        return recorder.events();
    }

    /** The conversation tree of every message so far. */
    public String timeline() {
        return Timeline.render(recorder.events(), recorder.causes());
    }

    /** Messages of {@code type} (or a subtype) seen with {@code kind} so far. */
    public <T> List<T> messages(Kind kind, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (HarnessEvent e : recorder.events()) {
            if (e.kind() == kind && type.isInstance(e.message())) {
                out.add(type.cast(e.message()));
            }
        }
        return out;
    }

    // ---- assertions ----

    /** Asserts a message of {@code type} was published; returns the first. */
    public <T> T assertPublished(Class<T> type) {
        return assertPublished(type, m -> true);
    }

    /** Asserts a message of {@code type} matching {@code match} was published; returns the first. */
    public <T> T assertPublished(Class<T> type, Predicate<? super T> match) {
        return expect("a " + type.getSimpleName() + " published", Kind.PUBLISHED, type, match, null, null);
    }

    /** Asserts a message of {@code type} was sent; returns the first. */
    public <T> T assertSent(Class<T> type) {
        return assertSent(type, m -> true);
    }

    public <T> T assertSent(Class<T> type, Predicate<? super T> match) {
        return expect("a " + type.getSimpleName() + " sent", Kind.SENT, type, match, null, null);
    }

    /** Asserts a message of {@code type} was consumed (by any consumer); returns the first. */
    public <T> T assertConsumed(Class<T> type) {
        return assertConsumed(type, m -> true);
    }

    public <T> T assertConsumed(Class<T> type, Predicate<? super T> match) {
        return expect("a " + type.getSimpleName() + " consumed", Kind.CONSUMED, type, match, null, null);
    }

    /** Asserts a message of {@code type} was consumed by a consumer of class {@code consumer}. */
    public <T> T assertConsumed(Class<T> type, Class<?> consumer) {
        return expect("a " + type.getSimpleName() + " consumed by " + consumer.getSimpleName(), Kind.CONSUMED, type,
                m -> true, consumer.getName(), null);
    }

    /** Asserts a message of {@code type} ended in an error queue after a consumer threw {@code exception}. */
    public <T> T assertFaulted(Class<T> type, Class<? extends Throwable> exception) {
        expect("a " + type.getSimpleName() + " failing with " + exception.getSimpleName(), Kind.CONSUME_FAILED, type,
                m -> true, null, exception);
        return expect("a " + type.getSimpleName() + " moved to an error queue", Kind.FAULTED, type, m -> true, null, null);
    }

    /**
     * Asserts a message of {@code type} ended in a skipped queue (no consumer on its endpoint, or a type
     * the bus does not know). A skipped message is often never bound (the bus may not even know its
     * type), so it is recognised by the type list of its envelope ({@code urn:message:…} of {@code type});
     * returns it when the bus bound it, else null.
     */
    public <T> T assertSkipped(Class<T> type) {
        String urn = dev.omnibus.MessageTypeRegistry.urnOf(type);
        HarnessEvent e = expectEvent("a " + type.getSimpleName() + " skipped", ev -> ev.kind() == Kind.SKIPPED
                && (type.isInstance(ev.message()) || ev.envelope() != null && ev.envelope().messageType().contains(urn)));
        return type.isInstance(e.message()) ? type.cast(e.message()) : null;
    }

    /** Waits until the bus is idle, then asserts that no message of {@code type} was published. */
    public void assertNotPublished(Class<?> type) {
        assertIdle();
        List<?> found = messages(Kind.PUBLISHED, type);
        if (!found.isEmpty()) {
            throw failure("no " + type.getSimpleName() + " published, but found " + found.size());
        }
    }

    /** Asserts the bus becomes idle: no message in flight or waiting in a consumed queue. */
    public void assertIdle() {
        if (!runUntilIdle()) {
            throw failure("the bus idle within " + timeout);
        }
    }

    private <T> T expect(String what, Kind kind, Class<T> type, Predicate<? super T> match, String consumer,
            Class<? extends Throwable> error) {
        return type.cast(expectEvent(what, e -> e.kind() == kind && type.isInstance(e.message())
                && match.test(type.cast(e.message()))
                && (consumer == null || consumer.equals(e.consumer()))
                && (error == null || error.isInstance(e.error()))).message());
    }

    /** The first recorded event that matches: once the simulation is idle, or within the timeout (threaded). */
    private HarnessEvent expectEvent(String what, Predicate<HarnessEvent> match) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (simulation != null) {
                runUntilIdle();
            }
            for (HarnessEvent e : recorder.events()) {
                if (match.test(e)) {
                    return e;
                }
            }
            if (simulation != null || System.nanoTime() > deadline) {
                throw failure(what + (simulation != null ? " (the simulation ran until idle)" : " within " + timeout));
            }
            pause();
        }
    }


    /**
     * Runs until idle: in the deterministic mode delivers messages until none is deliverable; in
     * the threaded mode waits (up to the timeout) until nothing is in flight.
     *
     * @return whether the bus is idle
     */
    public boolean runUntilIdle() {
        if (simulator != null) {
            int steps = 0;
            while (simulator.step()) {
                if (++steps > maxSteps) {
                    throw failure("the simulation to settle within " + maxSteps + " steps (a message loops?)");
                }
            }
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!broker.isIdle()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            pause();
        }
        return true;
    }

    /** Messages waiting in {@code queue} (an endpoint, or its {@code _error} / {@code _skipped} queue). */
    public int depth(String queue) {
        return simulation != null ? simulation.depth(queue) : broker.depth(queue);
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(2); // polling interval of a deadline wait, not synchronization
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private AssertionError failure(String expected) {
        StringBuilder b = new StringBuilder("Expected ").append(expected).append('\n');
        if (seed != null) {
            b.append("Deterministic harness, seed ").append(seed).append('\n');
        }
        b.append(listing()).append(timeline());
        return new AssertionError(b.toString());
    }

    /** What was produced, consumed, faulted and skipped, in order. */
    public String listing() {
        StringBuilder produced = new StringBuilder();
        StringBuilder consumed = new StringBuilder();
        StringBuilder faulted = new StringBuilder();
        for (HarnessEvent e : recorder.events()) {
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

    /** Stops the bus. */
    @Override
    public void close() {
        try {
            if (simulator != null) {
                simulator.finishInFlight(); // in-flight tasks end before the stop waits for them
            }
            bus.close();
        } finally {
            if (simulator != null) {
                dev.omnibus.spi.Interleaving.bind(null, null);
                dev.omnibus.spi.Interleaving.deactivate();
            }
        }
    }
}
