package dev.omnibus.testing;

import dev.omnibus.Bus;
import dev.omnibus.Headers;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The buses of a deterministic harness (one per replica, competing for the same queues) and what
 * happens to them as processes: a start, a {@link #crash()} that loses everything they held in
 * memory, and the restart from what the broker holds. State the test keeps outside the buses
 * (standing for a database) survives a crash, as a database would.
 */
final class SimulatedProcesses {
    private final Simulator simulator;
    private final SimulatedTransport transport;
    private final VirtualClock clock;
    private final Recorder recorder;
    private final int replicas;
    private final BiFunction<Integer, dev.omnibus.spi.Interleaving.Control, Bus> build;
    private final List<Bus> buses = new ArrayList<>();
    private int crashes;

    SimulatedProcesses(Simulator simulator, SimulatedTransport transport, VirtualClock clock, Recorder recorder,
            int replicas, BiFunction<Integer, dev.omnibus.spi.Interleaving.Control, Bus> build) {
        this.simulator = simulator;
        this.transport = transport;
        this.clock = clock;
        this.recorder = recorder;
        this.replicas = replicas;
        this.build = build;
        for (int i = 0; i < replicas; i++) {
            buses.add(build.apply(i, simulator.process(i)));
        }
    }

    /** The first replica's bus. */
    Bus primary() {
        return buses.get(0);
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
            buses.add(build.apply(i, simulator.process(i)));
        }
        start();
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
                crash();
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
