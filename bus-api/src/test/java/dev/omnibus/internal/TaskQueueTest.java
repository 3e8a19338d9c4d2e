package dev.omnibus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The executor's intrusive work queue: a FIFO that hands back the tasks themselves, linked or wrapped. */
class TaskQueueTest {
    /** A task that carries its own link, as a receive context or a mailbox does. */
    static class Own implements TaskQueue.Linked {
        final String name;
        private TaskQueue.Linked next;

        Own(String name) {
            this.name = name;
        }

        @Override
        public void run() {
        }

        @Override
        public TaskQueue.Linked nextTask() {
            return next;
        }

        @Override
        public void nextTask(TaskQueue.Linked n) {
            next = n;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @Test
    void linkedAndPlainTasksComeOutInOrderAsThemselves() {
        TaskQueue q = new TaskQueue();
        Own a = new Own("a");
        Runnable b = () -> { };
        Own c = new Own("c");
        q.offer(a);
        q.offer(b);
        q.offer(c);
        assertEquals(3, q.size());
        assertEquals(Integer.MAX_VALUE, q.remainingCapacity());
        assertFalse(q.remove(null));
        assertSame(a, q.peek());
        assertSame(a, q.poll());
        assertSame(b, q.poll());
        assertSame(c, q.poll());
        assertNull(q.poll());
        assertTrue(q.isEmpty());
    }

    @Test
    void aTaskTakenCanBeQueuedAgainButNotWhileQueued() {
        TaskQueue q = new TaskQueue();
        Own a = new Own("a");
        Own b = new Own("b");
        q.offer(a);
        q.offer(b);
        assertThrows(IllegalStateException.class, () -> q.offer(a), "a is linked to b");
        assertThrows(IllegalStateException.class, () -> q.offer(b), "b is the tail");
        assertEquals(2, q.size(), "the refused offers changed nothing");
        assertSame(a, q.poll());
        q.offer(a); // taken, so free to come back: behind b
        assertSame(b, q.poll());
        assertSame(a, q.poll());
        assertNull(q.poll());
    }

    @Test
    void removeUnlinksFromTheHeadTheMiddleAndTheTail() {
        TaskQueue q = new TaskQueue();
        Own a = new Own("a");
        Own b = new Own("b");
        Runnable c = () -> { };
        Own d = new Own("d");
        List.of(a, b, c, d).forEach(q::offer);
        assertTrue(q.remove(b));
        Own e = new Own("e");
        q.offer(e); // the tail is still d: e links behind it
        assertTrue(q.remove(e));
        q.offer(b); // a removed task is unlinked: it may be queued again
        assertTrue(q.remove(b));
        assertTrue(q.remove(d), "the tail");
        assertFalse(q.remove(d), "already gone");
        q.offer(d); // the tail moved back to c: d links behind it
        assertTrue(q.remove(a), "the head");
        assertEquals(List.of(c, d), drain(q));
        assertTrue(q.remove(c) == false && q.isEmpty());
    }

    @Test
    void theIteratorWalksASnapshotAndRemovesThroughTheQueue() {
        TaskQueue q = new TaskQueue();
        Own a = new Own("a");
        Own b = new Own("b");
        q.offer(a);
        q.offer(b);
        Iterator<Runnable> it = q.iterator();
        q.offer(new Own("late")); // after the snapshot: not seen
        assertSame(a, it.next());
        it.remove();
        assertSame(b, it.next());
        assertFalse(it.hasNext());
        assertThrows(java.util.NoSuchElementException.class, it::next);
        assertEquals(2, q.size(), "a removed, late added");
        assertSame(b, q.poll());
    }

    @Test
    void drainToTakesAtMostWhatIsAsked() {
        TaskQueue q = new TaskQueue();
        for (int i = 0; i < 5; i++) {
            q.offer(new Own("t" + i));
        }
        List<Runnable> out = new ArrayList<>();
        assertEquals(2, q.drainTo(out, 2));
        assertEquals("[t0, t1]", out.toString());
        assertEquals(3, q.drainTo(out));
        assertEquals(0, q.size());
        assertThrows(IllegalArgumentException.class, () -> q.drainTo(q));
    }

    @Test
    void pollWithATimeoutWaitsItsTimeAndNoLongerAndTakeWakesOnOffer() throws Exception {
        TaskQueue q = new TaskQueue();
        long start = System.nanoTime();
        assertNull(q.poll(200, TimeUnit.MILLISECONDS));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waitedMs >= 190 && waitedMs < 5_000, "waited " + waitedMs + " ms for a 200 ms poll");

        Own a = new Own("a");
        CountDownLatch took = new CountDownLatch(1);
        Thread taker = new Thread(() -> {
            try {
                if (q.take() == a) {
                    took.countDown();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        taker.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (taker.getState() != Thread.State.WAITING) { // parked in take: only a signal wakes it now
            assertTrue(System.nanoTime() < deadline, "the taker waits in take within 5 s; it is " + taker.getState());
            Thread.onSpinWait();
        }
        q.offer(a);
        assertTrue(took.await(5, TimeUnit.SECONDS), "take returned the task offered");
        taker.join(5_000);
    }

    @Test
    void aThreadPoolRunsEveryTaskOnceThroughIt() throws Exception {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new TaskQueue());
        AtomicInteger ran = new AtomicInteger();
        int n = 20_000;
        CountDownLatch done = new CountDownLatch(n);
        Thread[] producers = new Thread[3];
        for (int p = 0; p < producers.length; p++) {
            producers[p] = new Thread(() -> {
                for (int i = 0; i < n / 4; i++) {
                    pool.execute(() -> {
                        ran.incrementAndGet();
                        done.countDown();
                    });
                }
            });
            producers[p].start();
        }
        for (int i = 0; i < n - 3 * (n / 4); i++) { // linked tasks too, from this thread
            pool.execute(new Own("x") {
                @Override
                public void run() {
                    ran.incrementAndGet();
                    done.countDown();
                }
            });
        }
        for (Thread t : producers) {
            t.join();
        }
        assertTrue(done.await(30, TimeUnit.SECONDS), "every task ran; " + ran.get() + " of " + n);
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(n, ran.get(), "none ran twice");
    }

    private static List<Runnable> drain(TaskQueue q) {
        List<Runnable> out = new ArrayList<>();
        q.drainTo(out);
        return out;
    }
}
