package dev.omnibus.testing;

import dev.omnibus.spi.Interleaving;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** One endpoint's workers under the {@link Simulator}: tasks wait here until the simulator starts them. */
final class SimWorkers implements Interleaving.Workers {
    private final Simulator sim;
    final String endpoint;
    final int concurrency;
    /** The harness's bus number whose endpoint this is. */
    final int replica;
    /** Set when its process crashed alone: nothing more is accepted. Guarded by the simulator's lock. */
    boolean dead;
    final ArrayDeque<SimTask> waiting = new ArrayDeque<>();
    final List<SimTask> started = new ArrayList<>();

    SimWorkers(Simulator sim, String endpoint, int concurrency, int replica) {
        this.sim = sim;
        this.replica = replica;
        this.endpoint = endpoint;
        this.concurrency = concurrency;
    }

    @Override
    public void execute(Object key, Runnable task) {
        sim.lock.lock();
        try {
            if (sim.shutdown || dead) {
                throw new java.util.concurrent.RejectedExecutionException("simulation stopped");
            }
            waiting.addLast(new SimTask(this, concurrency == 1 ? null : key, task, ++sim.taskNumbers));
        } finally {
            sim.lock.unlock();
        }
    }

    @Override
    public List<Runnable> waiting() {
        sim.lock.lock();
        try {
            List<Runnable> out = new ArrayList<>();
            for (SimTask t : waiting) {
                out.add(t.body);
            }
            return out;
        } finally {
            sim.lock.unlock();
        }
    }

    @Override
    public boolean isWorkerThread() {
        return Interleaving.boundTask() instanceof SimTask t && t.workers == this;
    }

    @Override
    public void shutdownNow() {
        sim.lock.lock();
        try {
            waiting.clear();
        } finally {
            sim.lock.unlock();
        }
    }

    @Override
    public boolean awaitTermination(long millis) {
        return true;
    }

    int inFlight() {
        return waiting.size() + started.size();
    }

    /** Whether {@code t} (waiting) may start now: room, and no earlier or running task of its key. */
    boolean startable(SimTask t) {
        if (started.size() >= concurrency) {
            return false;
        }
        if (concurrency == 1 || t.key == null) {
            return concurrency != 1 || waiting.peekFirst() == t;
        }
        for (SimTask s : started) {
            if (t.key.equals(s.key)) {
                return false;
            }
        }
        for (SimTask w : waiting) {
            if (w == t) {
                return true;
            }
            if (t.key.equals(w.key)) {
                return false;
            }
        }
        return true;
    }
}
