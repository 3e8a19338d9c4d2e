package dev.omnibus.inmemory;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded FIFO queue. Producers wait while it is full (back-pressure); messages returned by a
 * consumer (requeue) and moved from another queue (dead-lettering) are always taken, so nothing
 * is lost to the bound. Thread-safe.
 */
final class InMemoryQueue {
    private final String name;
    private final int capacity;
    private final boolean temporary;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<StoredMessage> messages = new ArrayDeque<>();
    private final Activity activity;
    private int consumers; // guarded by lock

    InMemoryQueue(String name, int capacity, boolean temporary, Activity activity) {
        this.name = name;
        this.capacity = capacity;
        this.temporary = temporary;
        this.activity = activity;
    }

    void consumerAdded() {
        lock.lock();
        try {
            consumers++;
        } finally {
            lock.unlock();
        }
    }

    void consumerRemoved() {
        lock.lock();
        try {
            consumers--;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a consumer is attached and messages wait. */
    boolean hasWorkWaiting() {
        lock.lock();
        try {
            return consumers > 0 && !messages.isEmpty();
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
    boolean offer(StoredMessage m, long timeoutNanos) throws InterruptedException {
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
            activity.changed();
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Adds at the tail regardless of the bound. */
    void force(StoredMessage m) {
        lock.lock();
        try {
            messages.addLast(m);
            activity.changed();
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Puts a returned message back at the head, regardless of the bound. */
    void returnToHead(StoredMessage m) {
        lock.lock();
        try {
            messages.addFirst(m);
            activity.changed();
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the head, waiting until there is one; it counts as in flight until {@link Activity#settled()}. */
    StoredMessage take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (messages.isEmpty()) {
                notEmpty.await();
            }
            StoredMessage m = messages.pollFirst();
            activity.taken();
            notFull.signal();
            return m;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the head if there is one within {@code timeout}. */
    StoredMessage poll(long timeout, TimeUnit unit) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long left = unit.toNanos(timeout);
            while (messages.isEmpty()) {
                if (left <= 0) {
                    return null;
                }
                left = notEmpty.awaitNanos(left);
            }
            StoredMessage m = messages.pollFirst();
            notFull.signal();
            return m;
        } finally {
            lock.unlock();
        }
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
