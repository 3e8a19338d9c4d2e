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
 *   <li><b>Deterministic</b> ({@link Builder#deterministic(long)}): a simulated broker and a driver
 *       that runs the bus's worker tasks one at a time, switching between them at interleaving points
 *       (produce, settle, request, saga and inbox calls, reads of {@code ConsumeContext.clock()}),
 *       each choice drawn from a seeded source; up to each endpoint's concurrency, several
 *       deliveries are in flight. The same seed gives the same
 *       run and the same {@link #timeline()}, ids included. A {@link FaultPlan} injects delivery,
 *       produce, settlement, clock and crash faults from the same source; {@link #crash()} crashes the
 *       process; {@link Builder#replicas(int)} runs several buses on the broker, and
 *       {@link #crash(int)} crashes one of them while the others run on. Assertions first run
 *       the simulation until nothing can happen, then check. {@link Simulation} runs a scenario over
 *       many seeds, names the seed that fails and shrinks its schedule.</li>
 * </ul>
 *
 * <h2>Failures</h2>
 * A failed assertion throws {@link AssertionError} listing what was published, sent, consumed,
 * faulted and skipped, in order, and the conversation timeline.
 *
 * <p>The harness is used from the test's thread. Close it (try-with-resources, or the JUnit
 * extension {@link BusTest} does it) to stop the bus.
 */
public final class TestHarness extends HarnessAssertions implements AutoCloseable {
    private Bus bus;
    private final VirtualClock clock;
    private final java.time.Clock applicationClock;
    private final Recorder recorder;
    private final InMemoryBroker broker;
    private final SimulatedTransport simulation;
    private final Simulator simulator;
    private final SimulatedProcesses processes;
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
            try {
                this.processes = new SimulatedProcesses(simulator, simulation, clock, recorder, b.replicas, this::newBus);
            } catch (RuntimeException | Error e) { // a bad configuration: leave the test's thread as it was
                dev.omnibus.spi.Interleaving.bind(null, null);
                dev.omnibus.spi.Interleaving.deactivate();
                throw e;
            }
            this.bus = processes.primary();
        } else {
            if (b.replicas != 1) {
                throw new IllegalStateException("replicas need the deterministic mode: call deterministic(seed)");
            }
            if (b.faults.needsSimulation()) {
                throw new IllegalStateException("delivery, produce, settlement, clock and process faults need the "
                        + "deterministic mode: call deterministic(seed)");
            }
            this.simulation = null;
            this.simulator = null;
            this.processes = null;
            this.broker = InMemoryBroker.create();
            this.bus = newBus(0, null, null, null);
        }
        this.applicationClock = bus.clock(); // a view of the virtual clock: every replica's, before and after a crash
    }

    /** Bus number {@code replica} from the builder's configuration, on this harness's transport and clock. */
    private Bus newBus(int replica, dev.omnibus.spi.Interleaving.Control control, SimulatedConnection connection,
            VirtualClock.Process processClock) {
        BusBuilder bus = Bus.builder().clock(processClock != null ? processClock : clock)
                .scheduler(new InMemoryScheduler()).observer(recorder)
                .stopTimeout(timeout) // a test should not wait 30 s for a stuck consumer
                .name(SimulatedProcesses.name(replica));
        if (control != null) {
            bus.transport(connection).executionControl(control);
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
        private int replicas = 1;

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

        /**
         * Runs {@code count} buses from the same configuration on the one simulated broker, as replicas of
         * a service competing for its queues (deterministic mode only; default 1). {@link #bus()} is the
         * first; state the test keeps outside the buses is shared by all, as a database would be.
         */
        public Builder replicas(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("replicas must be at least 1, was " + count);
            }
            this.replicas = count;
            return this;
        }

        /** Builds and starts the harness's bus. */
        public TestHarness start() {
            TestHarness h = new TestHarness(this);
            if (h.processes != null) {
                try {
                    h.processes.start();
                } catch (RuntimeException | Error e) {
                    h.close();
                    throw e;
                }
            } else {
                h.bus.start();
            }
            return h;
        }
    }

    /** The bus under test. */
    public Bus bus() {
        return bus;
    }

    /**
     * The bus of replica {@code replica} ({@code 0} is {@link #bus()}; see {@link Builder#replicas(int)}),
     * a new one after that replica's crash. In the threaded mode only replica 0 exists.
     *
     * @throws IllegalArgumentException if there is no such replica
     */
    public Bus bus(int replica) {
        if (processes == null) {
            if (replica != 0) {
                throw new IllegalArgumentException("no replica " + replica + ": the threaded harness runs one bus");
            }
            return bus;
        }
        return processes.bus(replica);
    }

    /**
     * Crashes the process of one replica and restarts it while the other replicas run on (deterministic
     * mode only), as one instance of a deployed service fails: its tasks in flight are abandoned where
     * they are parked (what they still settle or send is dropped), its tasks not started, the timers it
     * armed on the virtual clock (scheduled sends through its scheduler, delayed redeliveries, request
     * timeouts) and its background loops (an outbox relay's turns) are lost, the deliveries it had not
     * settled go back to their queues (any replica may take them, flagged redelivered), and a new bus
     * is built for it from the same configuration on the same broker. The other replicas' work in
     * flight, deliveries and timers are untouched. The timeline names the replica;
     * {@link FaultPlan#crashProcess(double)} with several replicas crashes one, chosen by the seed.
     *
     * @param replica 0 for {@link #bus()}, up to {@code replicas - 1}
     * @throws IllegalArgumentException if there is no such replica
     */
    public void crash(int replica) {
        if (processes == null) {
            throw new IllegalStateException("a crash needs the deterministic mode: call deterministic(seed)");
        }
        processes.crash(replica);
        bus = processes.primary();
    }

    /**
     * Runs the simulation one step at a time until {@code condition} holds between two steps (true),
     * or nothing more can happen (false). For tests that act (a crash) at a chosen point of a run.
     */
    boolean stepUntil(java.util.function.BooleanSupplier condition) {
        if (processes == null) {
            throw new IllegalStateException("stepping needs the deterministic mode");
        }
        for (int steps = 0; steps <= maxSteps; steps++) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (!simulator.step()) {
                return condition.getAsBoolean();
            }
        }
        throw failure("the condition within " + maxSteps + " steps");
    }

    /**
     * Crashes the simulated process (every replica) and restarts it (deterministic mode only): tasks in
     * flight are abandoned where they are parked (what they still settle or send is dropped), tasks not
     * started and every timer of the virtual clock (scheduled sends, delayed redeliveries, request
     * timeouts) are lost, unsettled deliveries go back to their queues, and new buses are built from the
     * same configuration on the same broker. State the test keeps outside the bus survives. The
     * timeline shows the crash. {@link FaultPlan#crashProcess(double)} crashes at random steps instead.
     */
    public void crash() {
        if (processes == null) {
            throw new IllegalStateException("a crash needs the deterministic mode: call deterministic(seed)");
        }
        processes.crash();
        bus = processes.primary();
    }

    /**
     * The decisions of a deterministic run so far, in words and in order: each choice of what runs next
     * ("deliver orders", "resume orders task 3 at saga-save", … with the number of options) and each
     * fault roll. Equal seeds give equal schedules; the number of distinct schedules over many seeds
     * measures how much a scenario explores. Empty in the threaded mode.
     */
    public List<String> schedule() {
        return simulator == null ? List.of() : simulator.decisions().labels();
    }

    /** The virtual clock that owns the bus's timers. */
    public VirtualClock clock() {
        return clock;
    }

    /**
     * The {@link java.time.Clock} application code reads, for domain objects the test builds: the same
     * as {@link Bus#clock()} and a consumer's {@code ConsumeContext.clock()}, a UTC view of
     * {@link #clock()}. In the deterministic mode a read by a delivery's code is the interleaving point
     * {@code clock}; a read on the test's thread is a plain read. Valid across {@link #crash()}.
     */
    public java.time.Clock applicationClock() {
        return applicationClock;
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
    @Override
    public List<HarnessEvent> events() {
        return recorder.events();
    }

    /** The conversation tree of every message so far. */
    public String timeline() {
        return Timeline.render(recorder.events(), recorder.causes());
    }


    /**
     * Runs until idle: in the deterministic mode delivers messages until none is deliverable; in
     * the threaded mode waits (up to the timeout) until nothing is in flight.
     *
     * @return whether the bus is idle
     */
    @Override
    public boolean runUntilIdle() {
        if (processes != null) {
            if (!processes.runUntilIdle(maxSteps, builder.faults)) {
                throw failure("the simulation to settle within " + maxSteps + " steps (a message loops?)");
            }
            bus = processes.primary(); // a new one after a crash
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

    @Override
    boolean simulated() {
        return processes != null;
    }

    @Override
    Duration timeout() {
        return timeout;
    }

    @Override
    AssertionError failure(String expected) {
        StringBuilder b = new StringBuilder("Expected ").append(expected).append('\n');
        if (seed != null) {
            b.append("Deterministic harness, seed ").append(seed).append('\n');
        }
        b.append(listing()).append(timeline());
        return new AssertionError(b.toString());
    }

    /** What was produced, consumed, faulted and skipped, in order. */
    public String listing() {
        return recorder.listing();
    }

    /** Stops the bus. */
    @Override
    public void close() {
        try {
            if (processes != null) {
                processes.close(); // in-flight tasks end before the stop waits for them
            } else {
                bus.close();
            }
        } finally {
            if (simulator != null) {
                dev.omnibus.spi.Interleaving.bind(null, null);
                dev.omnibus.spi.Interleaving.deactivate();
            }
        }
    }
}
