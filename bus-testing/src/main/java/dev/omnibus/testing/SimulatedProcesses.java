package dev.omnibus.testing;

import dev.omnibus.Bus;
import dev.omnibus.Headers;
import java.util.ArrayList;
import java.util.List;

/**
 * The buses of a deterministic harness (one per replica, competing for the same queues) and what
 * happens to them as processes: a start, a {@link #crash()} of all of them or a {@link #crash(int)}
 * of one, which loses everything it held in memory, and the restart from what the broker holds.
 * Each replica's bus runs on its own {@link SimulatedConnection} and its own view of the
 * {@link VirtualClock}, so what belongs to one process (deliveries handed to it, timers it armed,
 * its tasks and loops) can be lost alone. State the test keeps outside the buses (standing for a
 * database) survives a crash, as a database would.
 */
final class SimulatedProcesses {
    /** Builds bus number {@code replica} on its control, connection and clock. */
    @FunctionalInterface
    interface Factory {
        Bus build(int replica, dev.omnibus.spi.Interleaving.Control control, SimulatedConnection connection,
                VirtualClock.Process clock);
    }

    private final Simulator simulator;
    private final SimulatedTransport transport;
    private final VirtualClock clock;
    private final Recorder recorder;
    private final int replicas;
    private final Factory build;
    private final List<Bus> buses = new ArrayList<>();
    private final List<SimulatedConnection> connections = new ArrayList<>();
    /** Each replica's view of the clock: one for its whole life, so its application clock outlives crashes. */
    private final List<VirtualClock.Process> clocks = new ArrayList<>();
    private int crashes;

    SimulatedProcesses(Simulator simulator, SimulatedTransport transport, VirtualClock clock, Recorder recorder,
            int replicas, Factory build) {
        this.simulator = simulator;
        this.transport = transport;
        this.clock = clock;
        this.recorder = recorder;
        this.replicas = replicas;
        this.build = build;
        for (int i = 0; i < replicas; i++) {
            clocks.add(clock.process(name(i)));
            connections.add(transport.connect(i));
            buses.add(newBus(i));
        }
    }

    private Bus newBus(int replica) {
        return build.build(replica, simulator.process(replica), connections.get(replica), clocks.get(replica));
    }

    /** The name of replica {@code replica}'s bus. */
    static String name(int replica) {
        return replica == 0 ? "harness" : "harness-" + (replica + 1);
    }

    /** The first replica's bus. */
    Bus primary() {
        return buses.get(0);
    }

    /** Replica {@code replica}'s bus (a new one after its crash). */
    Bus bus(int replica) {
        check(replica);
        return buses.get(replica);
    }

    /** How many replicas. */
    int replicas() {
        return replicas;
    }

    private void check(int replica) {
        if (replica < 0 || replica >= replicas) {
            throw new IllegalArgumentException("no replica " + replica + ": the harness runs replicas 0 to "
                    + (replicas - 1));
        }
    }

    void start() {
        for (Bus b : buses) {
            b.start();
        }
    }

    /** How many crashes so far. */
    int crashes() {
        return crashes;
    }

    /**
     * Every replica crashes at once and restarts: their in-flight tasks unwind at their interleaving
     * points (what they still try to settle or send is dropped), tasks not started and the virtual
     * clock's timers (scheduled sends, redeliveries, request timeouts) are lost, unsettled deliveries
     * go back to their queues; then new buses are built from the same configuration.
     */
    void crash() {
        int inFlight = simulator.inFlight();
        int timers = clock.pendingTimers();
        transport.crash(); // first: the unwinding tasks' late settlements and sends must not reach the broker
        simulator.unwindAll();
        clock.dropTimers();
        for (Bus b : buses) {
            b.close();
        }
        crashes++;
        recorder.injected("crash " + crashes + ": the process lost " + inFlight + " delivery(ies) in flight and "
                + timers + " timer(s); restarted from the broker", Headers.empty());
        transport.restart();
        buses.clear();
        for (int i = 0; i < replicas; i++) {
            connections.set(i, transport.connect(i));
            buses.add(newBus(i));
        }
        start();
    }

    /**
     * Replica {@code replica} alone crashes and restarts while the others run on: its in-flight tasks
     * unwind at their interleaving points (what they still settle or send is dropped), its tasks not
     * started are dropped, its unsettled deliveries go back to their queues (for any replica to take),
     * the timers it armed on the virtual clock and its background loops are lost; then a new bus is
     * built for it from the same configuration and started. The other replicas' tasks, deliveries,
     * timers and loops are untouched.
     */
    void crash(int replica) {
        check(replica);
        int inFlight = simulator.inFlight(replica);
        VirtualClock.Process itsClock = clocks.get(replica);
        int timers = clock.pendingTimers(itsClock);
        // first: the unwinding tasks' late settlements and sends must not reach the broker
        int back = transport.crash(connections.get(replica));
        simulator.unwind(replica);
        buses.get(replica).close();
        clock.dropTimers(itsClock); // what it armed, its stop included, dies with it (timers fire only on advance)
        crashes++;
        recorder.injected("crash " + crashes + ": replica " + replica + " (bus " + name(replica) + ") lost " + inFlight
                + " delivery(ies) in flight and " + timers + " timer(s), " + back + " unsettled delivery(ies) went back "
                + "to their queues; the other replicas ran on; it restarted from the broker", Headers.empty());
        connections.set(replica, transport.connect(replica));
        buses.set(replica, newBus(replica));
        buses.get(replica).start();
    }

    /**
     * Runs the simulation until nothing can happen, applying the plan's per-step faults (a crash while
     * work is in flight, a clock jump), each drawn as a decision.
     *
     * @return false when it took more than {@code maxSteps} steps
     */
    boolean runUntilIdle(int maxSteps, FaultPlan faults) {
        int steps = 0;
        while (true) {
            transport.confirmSlow(); // confirms held back by slowProduce arrive a step later
            if (faults.crashProcess() > 0 && simulator.inFlight() > 0
                    && simulator.decisions().roll(faults.crashProcess(), "crash the process")) {
                if (replicas == 1) {
                    crash();
                } else { // which replica crashes is a decision too, so replay and shrinking follow it
                    String[] options = new String[replicas];
                    for (int i = 0; i < replicas; i++) {
                        options[i] = "crash replica " + i;
                    }
                    crash(simulator.decisions().choose(options));
                }
            }
            boolean busy = simulator.inFlight() > 0 || !transport.deliverable().isEmpty();
            if (busy && faults.jumpClock() > 0 && simulator.decisions().roll(faults.jumpClock(), "jump the clock")) {
                recorder.injected("clock jump: the clock leaps " + HarnessEvent.format(faults.jumpBy()).substring(1)
                        + " ahead", Headers.empty());
                clock.advance(faults.jumpBy());
            }
            if (!simulator.step() && !transport.confirmSlow()) {
                String blocked = simulator.blocked();
                if (!blocked.isEmpty()) {
                    throw new AssertionError("the simulation is deadlocked: no task can go on and nothing can be "
                            + "delivered: " + blocked);
                }
                return true;
            }
            if (++steps > maxSteps) {
                return false;
            }
        }
    }

    /** A normal stop: in-flight tasks finish, the buses stop, the broker shuts down. */
    void close() {
        try {
            simulator.finishInFlight();
            for (int i = buses.size() - 1; i >= 0; i--) {
                buses.get(i).close();
            }
        } finally {
            transport.shutdown();
        }
    }
}
