package dev.omnibus.testing;

import dev.omnibus.spi.Interleaving;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * The driver of the deterministic harness: it owns the bus's workers (the bus's
 * {@link Interleaving.Control}) and a baton. Every worker task runs on a real thread, but only the
 * one holding the baton runs; at an interleaving point ({@link Interleaving#point}: produce,
 * settle, request, saga load and save, inbox calls, the application's clock reads) the task hands
 * the baton back, and the driver (the test's thread, inside {@link #step()}) chooses by seed what runs next: a delivery from a
 * ready queue (while its endpoint has fewer tasks in flight than its concurrency), a task waiting
 * for a worker (never two tasks of one ordering key at once), or a parked task. Each choice and
 * each fault roll is a {@link Decisions decision}; a run can follow a recorded list of them instead
 * of the random source, which is how a failure is replayed and shrunk.
 *
 * <p>Retry jitter and ids come from streams split off the seed, so they do not shift the choices.
 * Timers run on whichever thread advances the virtual clock (the driver, or the baton holder
 * during a retry's wait), never on a pool; no interleaving point parks inside a timer.
 */
final class Simulator implements Interleaving.Control {
    /** Thrown out of an interleaving point into a task abandoned by a crash: it unwinds the task's stack. */
    static final class Unwind extends Error {
        private static final long serialVersionUID = 1L;

        Unwind() {
            super("the simulated process crashed: this task's work is lost", null, false, false);
        }
    }

    final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, SimWorkers> workers = new TreeMap<>();
    /** Background loops run as turns (an outbox relay), by name: when each is due, and one pass of it. */
    private final Map<String, java.util.function.BooleanSupplier> backgroundDue = new TreeMap<>();
    private final Map<String, Runnable> backgroundPass = new TreeMap<>();
    /** Which replica adopted each background loop. */
    private final Map<String, Integer> backgroundOwner = new TreeMap<>();
    private final Decisions decisions;
    private final SplittableRandom jitter;
    private final SplittableRandom ids;
    private final VirtualClock clock;
    private final long settleTimeoutMillis;
    private SimulatedTransport transport;
    private SimTask running; // the baton: null while the driver holds it
    long taskNumbers; // guarded by lock
    private long idState;
    boolean shutdown; // guarded by lock
    private int threadNumbers;

    Simulator(long seed, Decisions decisions, VirtualClock clock, long settleTimeoutMillis) {
        SplittableRandom root = new SplittableRandom(seed);
        this.jitter = root.split();
        this.ids = root.split();
        this.decisions = decisions;
        this.clock = clock;
        this.settleTimeoutMillis = settleTimeoutMillis;
    }

    void transport(SimulatedTransport transport) {
        this.transport = transport;
    }

    Decisions decisions() {
        return decisions;
    }

    // ---- Interleaving.Control: called by the bus ----

    @Override
    public Interleaving.Workers workers(String endpoint, int concurrency) {
        return workers(endpoint, concurrency, 0);
    }

    /** The workers of replica {@code replica}'s endpoint (its consumers are {@code endpoint#replica}). */
    Interleaving.Workers workers(String endpoint, int concurrency, int replica) {
        lock.lock();
        try {
            shutdown = false;
            String name = replica == 0 ? endpoint : endpoint + "#" + replica; // as SimulatedTransport names its consumers
            SimWorkers w = new SimWorkers(this, name, concurrency, replica);
            workers.put(name, w);
            return w;
        } finally {
            lock.unlock();
        }
    }

    /** The control for the harness's bus number {@code replica} (0 is this simulator itself). */
    Interleaving.Control process(int replica) {
        return replica == 0 ? this : new ReplicaControl(this, replica);
    }

    @Override
    public void point(String what) {
        park(what, null);
    }

    @Override
    public void pointUntil(String what, java.util.function.BooleanSupplier ready) {
        park(what, ready);
    }

    private void park(String what, java.util.function.BooleanSupplier ready) {
        if (!(Interleaving.boundTask() instanceof SimTask t)) {
            return;
        }
        if (t.unwind) {
            throw new Unwind();
        }
        if (t.atomic > 0) {
            return;
        }
        lock.lock();
        try {
            t.state = SimTask.State.PARKED;
            t.at = what;
            t.ready = ready;
            running = null;
            changed.signalAll();
            while (running != t) {
                changed.awaitUninterruptibly();
            }
            t.state = SimTask.State.RUNNING;
        } finally {
            lock.unlock();
        }
        if (t.unwind) {
            throw new Unwind();
        }
    }

    @Override
    public boolean adoptBackground(String name, java.util.function.BooleanSupplier due, Runnable pass) {
        return adoptBackground(name, 0, due, pass);
    }

    /** Adopts replica {@code replica}'s background loop {@code name} (a crash of that replica ends it). */
    boolean adoptBackground(String name, int replica, java.util.function.BooleanSupplier due, Runnable pass) {
        lock.lock();
        try {
            backgroundDue.put(name, due);
            backgroundPass.put(name, pass);
            backgroundOwner.put(name, replica);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public RandomGenerator random() {
        return jitter;
    }

    @Override
    public synchronized long nextIdHigh() {
        long now = clock.now().toEpochMilli() << 12;
        idState = Math.max(now, idState + 1);
        return ((idState >>> 12) << 16) | 0x7000L | (idState & 0xFFF);
    }

    @Override
    public synchronized long nextIdLow() {
        return ids.nextLong();
    }

    // ---- the driver ----

    /** One choice among what can happen next. */
    private record Choice(String label, Runnable action) {
    }

    /**
     * Makes one decision and runs it until the baton comes back.
     *
     * @return false when nothing can happen (idle)
     */
    boolean step() {
        List<Choice> choices = new ArrayList<>();
        lock.lock();
        try {
            for (String q : transport.deliverable()) {
                SimWorkers w = workers.get(q);
                if (w == null || w.inFlight() < w.concurrency) {
                    choices.add(new Choice("deliver " + q, () -> deliver(q, w)));
                }
            }
            for (SimWorkers w : workers.values()) {
                for (SimTask t : w.waiting) {
                    if (w.startable(t)) {
                        choices.add(new Choice("start " + w.endpoint + " task " + t.number, () -> start(t)));
                    }
                }
            }
            for (SimWorkers w : workers.values()) {
                for (SimTask t : w.started) {
                    if (t.state == SimTask.State.PARKED && (t.ready == null || t.ready.getAsBoolean())) {
                        choices.add(new Choice("resume " + w.endpoint + " task " + t.number + " at " + t.at,
                                () -> resume(t)));
                    }
                }
            }
            for (Map.Entry<String, java.util.function.BooleanSupplier> b : backgroundDue.entrySet()) {
                if (b.getValue().getAsBoolean()) {
                    Runnable pass = backgroundPass.get(b.getKey());
                    choices.add(new Choice("run " + b.getKey(), pass)); // on the driver's thread, as one step
                }
            }
        } finally {
            lock.unlock();
        }
        if (choices.isEmpty()) {
            return false;
        }
        String[] labels = new String[choices.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = choices.get(i).label();
        }
        choices.get(decisions.choose(labels)).action().run();
        return true;
    }

    private void deliver(String queue, SimWorkers w) {
        SimTask before = w == null ? null : w.waiting.peekLast();
        transport.deliver(queue);
        if (w == null) {
            return;
        }
        SimTask handed;
        lock.lock();
        try {
            handed = w.waiting.peekLast();
            if (handed == before || !w.startable(handed)) {
                return; // expired, or its key is busy: it waits for a later choice
            }
        } finally {
            lock.unlock();
        }
        start(handed);
    }

    private void start(SimTask t) {
        lock.lock();
        try {
            t.workers.waiting.remove(t);
            t.workers.started.add(t);
            t.state = SimTask.State.RUNNING;
        } finally {
            lock.unlock();
        }
        Thread thread = new Thread(() -> runTask(t), "omnibus-sim-" + t.workers.endpoint + "-" + (++threadNumbers));
        thread.setDaemon(true);
        handBaton(t, thread::start);
    }

    private void resume(SimTask t) {
        handBaton(t, null);
    }

    /** Gives the baton to {@code t} and waits until it parks or ends. */
    private void handBaton(SimTask t, Runnable then) {
        lock.lock();
        try {
            running = t;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (then != null) {
            then.run();
        }
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settleTimeoutMillis);
            while (running == t) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("a task of endpoint '" + t.workers.endpoint + "' did not reach an "
                            + "interleaving point or end within " + settleTimeoutMillis + " ms: a consumer is blocked. "
                            + "In the deterministic harness a consumer cannot wait for another message (a request "
                            + "from inside a consumer, awaited with get/join) or a lock another task holds; use the "
                            + "threaded harness for that flow");
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while a simulated task ran", e);
        } finally {
            lock.unlock();
        }
    }

    private void runTask(SimTask t) {
        Interleaving.bind(this, t);
        try {
            lock.lock();
            try {
                while (running != t) {
                    changed.awaitUninterruptibly();
                }
            } finally {
                lock.unlock();
            }
            if (!t.unwind) {
                t.body.run();
            }
        } catch (Unwind expected) {
            // a crash abandoned it
        } catch (RuntimeException | Error e) {
            Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
        } finally {
            Interleaving.bind(null, null);
            lock.lock();
            try {
                t.state = SimTask.State.DONE;
                t.workers.started.remove(t);
                running = null;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Tasks started and not ended. */
    int inFlight() {
        return inFlight(-1);
    }

    /** Tasks of replica {@code replica}'s endpoints started and not ended (all replicas' when negative). */
    int inFlight(int replica) {
        lock.lock();
        try {
            int n = 0;
            for (SimWorkers w : workers.values()) {
                if (replica < 0 || w.replica == replica) {
                    n += w.started.size();
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** The tasks in flight that cannot go on (each waits for something no other task will do), described; empty if none. */
    String blocked() {
        lock.lock();
        try {
            StringBuilder b = new StringBuilder();
            for (SimWorkers w : workers.values()) {
                for (SimTask t : w.started) {
                    b.append(w.endpoint).append(" task ").append(t.number).append(" waits at ").append(t.at).append("; ");
                }
            }
            return b.toString();
        } finally {
            lock.unlock();
        }
    }

    /** Lets every started task run to its end (resuming them in seeded order), starting nothing new. */
    void finishInFlight() {
        while (true) {
            List<SimTask> parked = parked();
            parked.removeIf(t -> t.ready != null && !t.ready.getAsBoolean());
            if (parked.isEmpty()) {
                return;
            }
            String[] labels = new String[parked.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = "finish " + parked.get(i).workers.endpoint + " task " + parked.get(i).number;
            }
            resume(parked.get(decisions.choose(labels)));
        }
    }

    /** A crash: every started task unwinds (its late work is ignored), every waiting task is dropped. */
    void unwindAll() {
        for (SimTask t : parked()) {
            t.unwind = true;
            resume(t);
        }
        lock.lock();
        try {
            for (SimWorkers w : workers.values()) {
                w.waiting.clear();
            }
            workers.clear();
            backgroundDue.clear(); // the crashed process's loops are gone; the new bus adopts its own
            backgroundPass.clear();
            backgroundOwner.clear();
            shutdown = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A crash of replica {@code replica} alone: its started tasks unwind, its waiting tasks are dropped,
     * its endpoints' workers refuse more work and its background loops end; the other replicas' tasks
     * and loops stay where they are.
     */
    void unwind(int replica) {
        for (SimTask t : parked(replica)) {
            t.unwind = true;
            resume(t);
        }
        lock.lock();
        try {
            for (java.util.Iterator<SimWorkers> it = workers.values().iterator(); it.hasNext(); ) {
                SimWorkers w = it.next();
                if (w.replica == replica) {
                    w.waiting.clear();
                    w.dead = true;
                    it.remove();
                }
            }
            for (java.util.Iterator<Map.Entry<String, Integer>> it = backgroundOwner.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Integer> b = it.next();
                if (b.getValue() == replica) {
                    backgroundDue.remove(b.getKey());
                    backgroundPass.remove(b.getKey());
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private List<SimTask> parked() {
        return parked(-1);
    }

    /** The parked tasks of replica {@code replica} (of all when negative). */
    private List<SimTask> parked(int replica) {
        lock.lock();
        try {
            List<SimTask> out = new ArrayList<>();
            for (SimWorkers w : workers.values()) {
                for (SimTask t : w.started) {
                    if (t.state == SimTask.State.PARKED && (replica < 0 || w.replica == replica)) {
                        out.add(t);
                    }
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }
}
