package dev.omnibus.rabbitmq;

import com.rabbitmq.client.AlreadyClosedException;
import dev.omnibus.TransportException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;

/**
 * The acknowledgements of one consuming channel, coalesced: instead of a {@code basic.ack} per
 * message, one {@code basic.ack(tag, multiple=true)} for the longest run of delivered tags that are
 * all settled, written when {@code batch} of them wait or {@code interval} after the first one
 * waited, whichever comes first. A tag is never acknowledged before {@link #settled} was called for
 * it (its pipeline finished): a multiple ack covers only a contiguous prefix of settled tags, and a
 * tag settled out of order (ahead of one still running) is acknowledged on its own at the next timer
 * flush, so a slow message never holds the others' prefetch slots for more than one interval.
 *
 * <p>Tags the caller settled otherwise ({@code basic.nack}/{@code basic.reject} already written) are
 * marked with {@link #released}; a multiple ack never names such a tag (the broker would refuse an
 * unknown one), it only passes over it.
 *
 * <p>Failure: settled acks not yet written when the channel goes down are lost with it, and the broker
 * delivers those messages again (at-least-once); their stages fail with a retryable
 * {@link TransportException}. {@link #flush} before a deliberate close writes every ack that is due.
 *
 * <p>Threading: any thread. The state sits under one lock, which is also held while a frame is
 * written so acks leave in tag order; it covers a few array writes and at most one frame per flush.
 * Memory: one byte per delivered tag not yet acknowledged (about the prefetch), grown if needed.
 */
final class CoalescedAcks {
    /** Writes one {@code basic.ack}. */
    @FunctionalInterface
    interface AckWriter {
        void ack(long tag, boolean multiple) throws IOException;
    }

    private static final byte OPEN = 0;
    private static final byte TO_ACK = 1;
    private static final byte DONE = 2;

    private final AckWriter writer;
    private final int batch;
    private final long intervalNanos;
    private final ScheduledExecutorService timer;
    private final String queue;
    private final Object lock = new Object();
    // guarded by lock
    private int epoch = Integer.MIN_VALUE;
    private boolean lost;
    /** Every tag up to here is acknowledged, released, or not this epoch's. */
    private long acked;
    /** Every tag in (acked, prefix] is settled. */
    private long prefix;
    /** The highest tag of a to-be-acknowledged delivery in (acked, prefix]; 0 when none. */
    private long lastToAck;
    /** The highest tag delivered in this epoch. */
    private long delivered;
    /** States of the tags in (prefix, delivered], at index {@code tag & (length - 1)}. */
    private byte[] states = new byte[64];
    /** Tags in (prefix, delivered] waiting for an ack. */
    private int waitingBeyond;
    /** Completes when every tag settled so far is acknowledged. */
    private CompletableFuture<Void> waiting;
    private boolean timerSet;

    CoalescedAcks(String queue, AckWriter writer, int batch, long intervalNanos, ScheduledExecutorService timer) {
        this.queue = queue;
        this.writer = writer;
        this.batch = Math.max(1, batch);
        this.intervalNanos = intervalNanos;
        this.timer = timer;
    }

    /** Delivery {@code tag} of channel epoch {@code epoch} arrived; called in tag order on the delivery thread. */
    void delivered(long tag, int epoch) {
        synchronized (lock) {
            if (epoch != this.epoch) {
                failWaiting(null);
                this.epoch = epoch;
                lost = false;
                acked = prefix = delivered = tag - 1;
                lastToAck = 0;
                waitingBeyond = 0;
                java.util.Arrays.fill(states, OPEN);
            }
            if (tag <= delivered) {
                return;
            }
            if (tag - prefix >= states.length) {
                grow(tag - prefix);
            }
            for (long t = delivered + 1; t < tag; t++) {
                states[index(t)] = DONE; // not a delivery of this consumer: nothing to acknowledge
            }
            states[index(tag)] = OPEN;
            delivered = tag;
            advance();
        }
    }

    /**
     * The pipeline of {@code tag} finished and it is to be acknowledged. The stage completes when the
     * ack is written; null if the tag is not this epoch's (stale: the broker delivers it again).
     */
    CompletableFuture<Void> settled(long tag, int epoch) {
        CompletableFuture<Void> stage;
        synchronized (lock) {
            if (!mark(tag, epoch, TO_ACK)) {
                return null;
            }
            if (waiting == null) {
                waiting = new CompletableFuture<>();
            }
            stage = waiting;
            if (prefix - acked >= batch) {
                writePrefix();
            }
            if (waiting != null && !timerSet) {
                timerSet = true;
                schedule();
            }
        }
        return stage;
    }

    /** {@code tag} was settled by a frame of its own ({@code basic.nack} / {@code basic.reject}, written first). */
    void released(long tag, int epoch) {
        synchronized (lock) {
            mark(tag, epoch, DONE);
        }
    }

    /** Writes every ack that is due: the settled prefix with one frame, tags settled out of order one by one. */
    void flush() {
        synchronized (lock) {
            timerSet = false;
            if (lost) {
                return;
            }
            writePrefix();
            if (waitingBeyond > 0) {
                for (long t = prefix + 1; t <= delivered && !lost; t++) {
                    int i = index(t);
                    if (states[i] == TO_ACK && write(t, false)) {
                        states[i] = DONE;
                        waitingBeyond--;
                    }
                }
            }
            completeIfAllWritten();
        }
    }

    /** The channel of {@code epoch} went down: what was not written is lost, the broker redelivers it. */
    void channelLost(int epoch) {
        synchronized (lock) {
            if (epoch == this.epoch) {
                lost = true;
                failWaiting(null);
            }
        }
    }

    private boolean mark(long tag, int epoch, byte state) {
        if (epoch != this.epoch || lost || tag <= prefix || tag > delivered || states[index(tag)] != OPEN) {
            return false;
        }
        states[index(tag)] = state;
        if (state == TO_ACK) {
            waitingBeyond++;
        }
        advance();
        return true;
    }

    /** Moves the prefix over settled tags. */
    private void advance() {
        while (prefix < delivered) {
            int i = index(prefix + 1);
            byte s = states[i];
            if (s == OPEN) {
                return;
            }
            prefix++;
            states[i] = OPEN;
            if (s == TO_ACK) {
                lastToAck = prefix;
                waitingBeyond--;
            }
        }
    }

    private void writePrefix() {
        if (prefix > acked && !lost) {
            if (lastToAck > acked && !write(lastToAck, true)) {
                return;
            }
            acked = prefix;
            lastToAck = 0;
            completeIfAllWritten();
        }
    }

    private void completeIfAllWritten() {
        if (waitingBeyond == 0 && prefix == acked && waiting != null) {
            waiting.complete(null);
            waiting = null;
        }
    }

    private boolean write(long tag, boolean multiple) {
        try {
            writer.ack(tag, multiple);
            return true;
        } catch (IOException | AlreadyClosedException e) {
            lost = true;
            failWaiting(e);
            return false;
        }
    }

    private void failWaiting(Exception cause) {
        if (waiting != null) {
            waiting.completeExceptionally(new TransportException("acknowledging deliveries of queue '" + queue
                    + "' failed (the channel closed); the broker delivers them again", cause, true));
            waiting = null;
        }
    }

    private void schedule() {
        try {
            timer.schedule(this::flush, intervalNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            timerSet = false;
            writePrefix(); // the transport is closing: write now rather than never
        }
    }

    private int index(long tag) {
        return (int) (tag & (states.length - 1));
    }

    private void grow(long span) {
        int size = states.length;
        while (size <= span) {
            size *= 2;
        }
        byte[] bigger = new byte[size];
        for (long t = prefix + 1; t <= delivered; t++) {
            bigger[(int) (t & (size - 1))] = states[index(t)];
        }
        states = bigger;
    }
}
