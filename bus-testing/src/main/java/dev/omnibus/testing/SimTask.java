package dev.omnibus.testing;

import dev.omnibus.spi.Interleaving;

/** One worker task of a simulated bus. */
final class SimTask {
    /** Where a task is. */
    enum State { WAITING, RUNNING, PARKED, DONE }

    final SimWorkers workers;
    final Object key;
    final Runnable body;
    final long number;
    State state = State.WAITING;
    String at = "start";
    boolean unwind;
    int atomic; // > 0 while running timers: no parking there
    java.util.function.BooleanSupplier ready; // while parked: when it may be resumed (null: any time)

    SimTask(SimWorkers workers, Object key, Runnable body, long number) {
        this.workers = workers;
        this.key = key;
        this.body = body;
        this.number = number;
    }

    /** Marks the running task's timers as atomic (no parking inside them); returns the task or null. */
    static SimTask enterTimers() {
        if (Interleaving.boundTask() instanceof SimTask t) {
            t.atomic++;
            return t;
        }
        return null;
    }

    static void exitTimers(SimTask t) {
        if (t != null) {
            t.atomic--;
        }
    }
}
