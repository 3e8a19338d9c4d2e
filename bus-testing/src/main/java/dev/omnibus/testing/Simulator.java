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
 * settle, request, saga load and save, inbox calls) the task hands the baton back, and the driver
 * (the test's thread, inside {@link #step()}) chooses by seed what runs next: a delivery from a
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

    private enum State { WAITING, RUNNING, PARKED, DONE }

    /** One worker task of the bus. */
    final class Task {
        final Workers workers;
        final Object key;
        final Runnable body;
        final long number;
        State state = State.WAITING;
        String at = "start";
        boolean unwind;
        int atomic; // > 0 while running timers: no parking there
        java.util.function.BooleanSupplier ready; // while parked: when it may be resumed (null: any time)
        Thread thread;

        Task(Workers workers, Object key, Runnable body, long number) {
            this.workers = workers;
            this.key = key;
            this.body = body;
            this.number = number;
        }
    }

    /** One endpoint's workers. */
    final class Workers implements Interleaving.Workers {
        final String endpoint;
        final int concurrency;
        final ArrayDeque<Task> waiting = new ArrayDeque<>();
        final List<Task> started = new ArrayList<>();

        Workers(String endpoint, int concurrency) {
            this.endpoint = endpoint;
            this.concurrency = concurrency;
        }

        @Override
        public void execute(Object key, Runnable task) {
            lock.lock();
            try {
                if (shutdown) {
                    throw new java.util.concurrent.RejectedExecutionException("simulation stopped");
                }
                waiting.addLast(new Task(this, concurrency == 1 ? null : key, task, ++taskNumbers));
            } finally {
                lock.unlock();
            }
        }

        @Override
        public List<Runnable> waiting() {
            lock.lock();
            try {
                List<Runnable> out = new ArrayList<>();
                for (Task t : waiting) {
                    out.add(t.body);
                }
                return out;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean isWorkerThread() {
            return Interleaving.boundTask() instanceof Task t && t.workers == this;
        }

        @Override
        public void shutdownNow() {
            lock.lock();
            try {
                waiting.clear();
            } finally {
                lock.unlock();
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
        boolean startable(Task t) {
            if (started.size() >= concurrency) {
                return false;
            }
            if (concurrency == 1 || t.key == null) {
                return concurrency != 1 || waiting.peekFirst() == t;
            }
            for (Task s : started) {
                if (t.key.equals(s.key)) {
                    return false;
                }
            }
            for (Task w : waiting) {
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

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Workers> workers = new TreeMap<>();
    private final Decisions decisions;
    private final SplittableRandom jitter;
    private final SplittableRandom ids;
    private final VirtualClock clock;
    private final long settleTimeoutMillis;
    private SimulatedTransport transport;
    private Task running; // the baton: null while the driver holds it
    private long taskNumbers;
    private long idState;
    private boolean shutdown;
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

    private Interleaving.Workers workers(String endpoint, int concurrency, int replica) {
        lock.lock();
        try {
            shutdown = false;
            String name = replica == 0 ? endpoint : endpoint + "#" + replica; // as SimulatedTransport names its consumers
            Workers w = new Workers(name, concurrency);
            workers.put(name, w);
            return w;
        } finally {
            lock.unlock();
        }
    }

    /** The control for the harness's bus number {@code replica} (0 is this simulator itself). */
    Interleaving.Control process(int replica) {
        if (replica == 0) {
            return this;
        }
        Simulator sim = this;
        return new Interleaving.Control() {
            @Override
            public Interleaving.Workers workers(String endpoint, int concurrency) {
                return sim.workers(endpoint, concurrency, replica);
            }

            @Override
            public void point(String what) {
                sim.point(what);
            }

            @Override
            public RandomGenerator random() {
                return sim.random();
            }

            @Override
            public long nextIdHigh() {
                return sim.nextIdHigh();
            }

            @Override
            public long nextIdLow() {
                return sim.nextIdLow();
            }
        };
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
        if (!(Interleaving.boundTask() instanceof Task t)) {
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
            t.state = State.PARKED;
            t.at = what;
            t.ready = ready;
            running = null;
            changed.signalAll();
            while (running != t) {
                changed.awaitUninterruptibly();
            }
            t.state = State.RUNNING;
        } finally {
            lock.unlock();
        }
        if (t.unwind) {
            throw new Unwind();
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

    /** Marks the running task's timers as atomic (no parking inside them); returns the task or null. */
    static Task enterTimers() {
        if (Interleaving.boundTask() instanceof Task t) {
            t.atomic++;
            return t;
        }
        return null;
    }

    static void exitTimers(Task t) {
        if (t != null) {
            t.atomic--;
        }
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
                Workers w = workers.get(q);
                if (w == null || w.inFlight() < w.concurrency) {
                    choices.add(new Choice("deliver " + q, () -> deliver(q, w)));
                }
            }
            for (Workers w : workers.values()) {
                for (Task t : w.waiting) {
                    if (w.startable(t)) {
                        choices.add(new Choice("start " + w.endpoint + " task " + t.number, () -> start(t)));
                    }
                }
            }
            for (Workers w : workers.values()) {
                for (Task t : w.started) {
                    if (t.state == State.PARKED && (t.ready == null || t.ready.getAsBoolean())) {
                        choices.add(new Choice("resume " + w.endpoint + " task " + t.number + " at " + t.at,
                                () -> resume(t)));
                    }
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

    private void deliver(String queue, Workers w) {
        Task before = w == null ? null : w.waiting.peekLast();
        transport.deliver(queue);
        if (w == null) {
            return;
        }
        Task handed;
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

    private void start(Task t) {
        lock.lock();
        try {
            t.workers.waiting.remove(t);
            t.workers.started.add(t);
            t.state = State.RUNNING;
        } finally {
            lock.unlock();
        }
        Thread thread = new Thread(() -> runTask(t), "omnibus-sim-" + t.workers.endpoint + "-" + (++threadNumbers));
        thread.setDaemon(true);
        t.thread = thread;
        handBaton(t, thread::start);
    }

    private void resume(Task t) {
        handBaton(t, null);
    }

    /** Gives the baton to {@code t} and waits until it parks or ends. */
    private void handBaton(Task t, Runnable then) {
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

    private void runTask(Task t) {
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
                t.state = State.DONE;
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
        lock.lock();
        try {
            int n = 0;
            for (Workers w : workers.values()) {
                n += w.started.size();
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
            for (Workers w : workers.values()) {
                for (Task t : w.started) {
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
            List<Task> parked = parked();
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
        for (Task t : parked()) {
            t.unwind = true;
            resume(t);
        }
        lock.lock();
        try {
            for (Workers w : workers.values()) {
                w.waiting.clear();
            }
            workers.clear();
            shutdown = true;
        } finally {
            lock.unlock();
        }
    }

    private List<Task> parked() {
        lock.lock();
        try {
            List<Task> out = new ArrayList<>();
            for (Workers w : workers.values()) {
                for (Task t : w.started) {
                    if (t.state == State.PARKED) {
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
