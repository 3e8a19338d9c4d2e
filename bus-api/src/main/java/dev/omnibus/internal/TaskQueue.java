package dev.omnibus.internal;

import java.util.AbstractQueue;
import java.util.Collection;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The work queue of an endpoint's executor: unbounded, first in first out, one lock, like a
 * {@link java.util.concurrent.LinkedBlockingQueue} but with no node allocated for a task that carries
 * its own link ({@link Linked}: a delivery's receive context, a key's mailbox). Such a task is in at
 * most one queue at a time, and in it at most once, until taken (the executor's contract: a delivery
 * is handed over once, a mailbox is queued only while not scheduled). Other tasks are wrapped in a
 * node. Every method returns and takes the tasks themselves, never the nodes.
 *
 * <p>Thread-safe. The iterator walks a snapshot (weakly consistent, as the executor's callers expect).
 */
final class TaskQueue extends AbstractQueue<Runnable> implements BlockingQueue<Runnable> {
    /** A task that links itself into the queue. The link is used only by the queue, under its lock. */
    interface Linked extends Runnable {
        Linked nextTask();

        void nextTask(Linked next);
    }

    /** The link of a task that carries none. */
    private static final class Node implements Linked {
        final Runnable task;
        private Linked next;

        Node(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            task.run();
        }

        @Override
        public Linked nextTask() {
            return next;
        }

        @Override
        public void nextTask(Linked next) {
            this.next = next;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private Linked head; // guarded by lock
    private Linked tail; // guarded by lock
    private int count; // guarded by lock

    private static Runnable task(Linked l) {
        return l instanceof Node n ? n.task : l;
    }

    @Override
    public boolean offer(Runnable task) {
        Linked l = task instanceof Linked self && !(task instanceof Node) ? self : new Node(task);
        lock.lock();
        try {
            if (l.nextTask() != null || l == tail) {
                throw new IllegalStateException("a task is queued twice: " + task);
            }
            if (tail == null) {
                head = l;
            } else {
                tail.nextTask(l);
            }
            tail = l;
            count++;
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void put(Runnable task) {
        offer(task);
    }

    @Override
    public boolean offer(Runnable task, long timeout, TimeUnit unit) {
        return offer(task);
    }

    /** Takes the head. Lock held, queue not empty. */
    private Runnable dequeue() {
        Linked l = head;
        head = l.nextTask();
        if (head == null) {
            tail = null;
        }
        l.nextTask(null);
        count--;
        return task(l);
    }

    @Override
    public Runnable take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (count == 0) {
                notEmpty.await();
            }
            return dequeue();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (count == 0) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            return dequeue();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Runnable poll() {
        lock.lock();
        try {
            return count == 0 ? null : dequeue();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Runnable peek() {
        lock.lock();
        try {
            return head == null ? null : task(head);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int size() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int remainingCapacity() {
        return Integer.MAX_VALUE;
    }

    @Override
    public boolean remove(Object o) {
        if (o == null) {
            return false;
        }
        lock.lock();
        try {
            Linked before = null;
            for (Linked l = head; l != null; before = l, l = l.nextTask()) {
                if (o.equals(task(l))) {
                    Linked after = l.nextTask();
                    if (before == null) {
                        head = after;
                    } else {
                        before.nextTask(after);
                    }
                    if (tail == l) {
                        tail = before;
                    }
                    l.nextTask(null);
                    count--;
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int drainTo(Collection<? super Runnable> c) {
        return drainTo(c, Integer.MAX_VALUE);
    }

    @Override
    public int drainTo(Collection<? super Runnable> c, int maxElements) {
        if (c == this) {
            throw new IllegalArgumentException("cannot drain a queue into itself");
        }
        lock.lock();
        try {
            int n = 0;
            while (n < maxElements && count > 0) {
                c.add(dequeue());
                n++;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Iterator<Runnable> iterator() {
        Runnable[] snapshot;
        lock.lock();
        try {
            snapshot = new Runnable[count];
            int i = 0;
            for (Linked l = head; l != null; l = l.nextTask()) {
                snapshot[i++] = task(l);
            }
        } finally {
            lock.unlock();
        }
        return new Iterator<>() {
            private int next;
            private Runnable last;

            @Override
            public boolean hasNext() {
                return next < snapshot.length;
            }

            @Override
            public Runnable next() {
                if (next >= snapshot.length) {
                    throw new NoSuchElementException();
                }
                last = snapshot[next++];
                return last;
            }

            @Override
            public void remove() {
                if (last == null) {
                    throw new IllegalStateException();
                }
                TaskQueue.this.remove(last);
                last = null;
            }
        };
    }
}
