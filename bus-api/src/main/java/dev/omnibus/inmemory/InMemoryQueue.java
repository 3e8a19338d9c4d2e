package dev.omnibus.inmemory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded FIFO queue that pushes its messages to its consumers. Producers wait while it is full
 * (back-pressure); messages returned by a consumer (requeue) and moved from another queue
 * (dead-lettering) are always taken, so nothing is lost to the bound.
 *
 * <h2>One hop</h2>
 * There is no dispatch thread: whoever changes the queue (a producer adding, a consumer settling,
 * a requeue) hands waiting messages, head first, to attached consumers with room in their window,
 * on its own thread and under the queue's lock, so hand-overs follow queue order. A consumer's
 * {@link Consumer#deliver} runs under that lock and must not block (a {@code DeliveryHandler}
 * hands off quickly by contract). A consumer that settles inline, inside {@code deliver}, re-enters
 * the lock; the pump does not recurse then, its outer loop carries on.
 *
 * <p>Thread-safe. Nothing is allocated per message beyond the deque's slot.
 */
final class InMemoryQueue {
    /** Something attached to the queue that takes messages while it has room. Guarded by the queue's lock. */
    interface Consumer {
        /** Whether it takes a message now (a window permit is free and it is delivering). */
        boolean hasRoom();

        /**
         * Takes {@code m} (an {@code OutgoingMessage}, or a {@link StoredMessage} after a requeue), which now
         * counts against its window. Called under the queue's lock; never blocks.
         */
        void deliver(Object m);
    }

    private final String name;
    private final int capacity;
    private final boolean temporary;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Object> messages = new ArrayDeque<>();
    private final Activity activity;
    private final List<Consumer> consumers = new ArrayList<>(2); // guarded by lock
    private int next; // guarded by lock: round robin over consumers
    private boolean pumping; // guarded by lock

    InMemoryQueue(String name, int capacity, boolean temporary, Activity activity) {
        this.name = name;
        this.capacity = capacity;
        this.temporary = temporary;
        this.activity = activity;
    }

    ReentrantLock lock() {
        return lock;
    }

    void attach(Consumer c) {
        lock.lock();
        try {
            consumers.add(c);
            pump();
        } finally {
            lock.unlock();
        }
    }

    void detach(Consumer c) {
        lock.lock();
        try {
            consumers.remove(c);
        } finally {
            lock.unlock();
        }
    }

    /** Whether a consumer is attached and messages wait. */
    boolean hasWorkWaiting() {
        lock.lock();
        try {
            return !consumers.isEmpty() && !messages.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    String name() {
        return name;
    }

    boolean temporary() {
        return temporary;
    }

    /** Adds at the tail, waiting up to {@code timeoutNanos} for room; false if still full. */
    boolean offer(Object m, long timeoutNanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long left = timeoutNanos;
            while (messages.size() >= capacity) {
                if (left <= 0) {
                    return false;
                }
                left = notFull.awaitNanos(left);
            }
            messages.addLast(m);
            pump();
            if (!messages.isEmpty()) {
                activity.changed(); // still waiting; when handed over at once, the hand-over (taken) counted the change
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Adds at the tail regardless of the bound. */
    void force(Object m) {
        lock.lock();
        try {
            messages.addLast(m);
            activity.changed();
            pump();
        } finally {
            lock.unlock();
        }
    }

    /** Puts a returned message back at the head, regardless of the bound. */
    void returnToHead(Object m) {
        lock.lock();
        try {
            messages.addFirst(m);
            activity.changed();
            pump();
        } finally {
            lock.unlock();
        }
    }

    /** Called when a consumer's window opened (a settlement) or it may take again: hands over what waits. */
    void roomMade() {
        lock.lock();
        try {
            pump();
        } finally {
            lock.unlock();
        }
    }

    /** Hands waiting messages, head first, to consumers with room. Lock held. */
    private void pump() {
        if (pumping || consumers.isEmpty()) {
            return; // an inline settlement inside deliver: the outer loop carries on
        }
        pumping = true;
        try {
            while (!messages.isEmpty()) {
                Consumer c = withRoom();
                if (c == null) {
                    return;
                }
                Object m = messages.pollFirst();
                activity.taken();
                notFull.signal();
                c.deliver(m);
            }
        } finally {
            pumping = false;
        }
    }

    private Consumer withRoom() {
        int n = consumers.size();
        for (int i = 0; i < n; i++) {
            int at = (next + i) % n;
            Consumer c = consumers.get(at);
            if (c.hasRoom()) {
                next = at + 1 == n ? 0 : at + 1;
                return c;
            }
        }
        return null;
    }

    int depth() {
        lock.lock();
        try {
            return messages.size();
        } finally {
            lock.unlock();
        }
    }
}
