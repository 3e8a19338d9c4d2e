package dev.omnibus.kafka;

import dev.omnibus.spi.ProducedMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The commit position of one assigned partition: the offsets handed to the bus, which of them are
 * settled, and the watermark below which everything is. The watermark never passes an unsettled
 * record, whatever order records settle in (the bus runs records of different keys at once), and
 * offsets need not be contiguous (compaction and transaction markers leave gaps): the position to
 * commit is the offset after the last record of the settled prefix.
 *
 * <p>Each handed record gets a future that completes when a commit covering it succeeds
 * ({@link #committed}), or fails when the partition is revoked first ({@link #revoke}).
 *
 * <p>A commit carries, as its metadata, the highest offset handed out ({@link #commitMetadata()}); the
 * partition's next owner reads it ({@link #previousOwner}) and delivers the records up to it, which may
 * have run already, as redelivered. After a crash that is as of the last commit.
 *
 * <p>Thread-safe: records are handed and commits taken on the poll thread, settled on any thread.
 * Memory: one entry per handed, uncommitted record: the unsettled ones bounded by the endpoint's
 * prefetch, the settled ones until the next commit (on a transactional endpoint with the messages their
 * consumers produced, which wait for the transaction that commits the watermark past their record).
 */
final class PartitionTracker {
    static final String METADATA_PREFIX = "omnibus:handed=";
    private final java.util.concurrent.atomic.AtomicInteger inFlight;
    private final ArrayDeque<Entry> open = new ArrayDeque<>();
    private final Map<Long, Entry> byOffset = new HashMap<>();
    private final ArrayDeque<Entry> awaitingCommit = new ArrayDeque<>();
    /** The offset after the settled prefix, -1 before anything settled. */
    private long watermark = -1;
    private long committed = -1;
    /** The highest offset handed to the bus; -1 before any. */
    private long handedUpTo = -1;
    /** The first offset handed to the bus; -1 before any. */
    private long firstHanded = -1;
    /** The highest offset the partition's previous owner had handed out, from its last commit; -1 if unknown. */
    private long previousOwnerHandedUpTo = -1;
    private long requested = -1;
    private boolean revoked;
    /** Outputs of an aborted transaction that this partition retries in the next one, in order; else null. */
    private List<ProducedMessage> retryOutputs;

    /**
     * @param inFlight the endpoint's count of handed records that are neither settled nor released,
     *                 shared by its partitions (the prefetch window); this tracker keeps its share right
     */
    PartitionTracker(java.util.concurrent.atomic.AtomicInteger inFlight) {
        this.inFlight = inFlight;
    }

    private static final class Entry {
        final long offset;
        /** A transactional endpoint's held outputs of this record, until a transaction takes them; else null. */
        List<ProducedMessage> outputs;
        final CompletableFuture<Void> committed = new CompletableFuture<>();
        boolean settled;
        /** Given back unsettled (a requeue while stopping): not in flight, yet it holds the watermark. */
        boolean released;

        Entry(long offset) {
            this.offset = offset;
        }
    }

    /**
     * Records that {@code offset} was handed to the bus; returns the future its commit completes.
     * Offsets must be handed in increasing order; handing one again (a local redelivery) returns the
     * same future and marks it unsettled.
     */
    synchronized CompletableFuture<Void> handed(long offset) {
        if (revoked) {
            throw new IllegalStateException("offset " + offset + " handed after the partition was revoked");
        }
        Entry e = byOffset.get(offset);
        if (e != null) {
            if (e.released) {
                e.released = false;
                inFlight.incrementAndGet();
            }
            return e.committed;
        }
        if (!open.isEmpty() && open.peekLast().offset >= offset) {
            throw new IllegalArgumentException("offset " + offset + " handed after " + open.peekLast().offset);
        }
        e = new Entry(offset);
        handedUpTo = offset;
        if (firstHanded < 0) {
            firstHanded = offset;
        }
        inFlight.incrementAndGet();
        open.addLast(e);
        byOffset.put(offset, e);
        return e.committed;
    }

    /** Marks {@code offset} settled; false when it is unknown (revoked, or never handed). */
    synchronized boolean settled(long offset) {
        return settled(offset, null);
    }

    /**
     * Marks {@code offset} settled with the messages its consumer produced, held until a transaction
     * that commits a position above the record takes them ({@link #takeForTransaction}); false when it
     * is unknown (revoked, or never handed).
     */
    synchronized boolean settled(long offset, List<ProducedMessage> outputs) {
        Entry e = byOffset.get(offset);
        if (e == null || revoked || e.settled) {
            return false;
        }
        if (outputs != null && !outputs.isEmpty()) {
            e.outputs = outputs;
        }
        if (!e.released) {
            inFlight.decrementAndGet();
        }
        e.settled = true;
        while (!open.isEmpty() && open.peekFirst().settled) {
            Entry done = open.pollFirst();
            byOffset.remove(done.offset);
            awaitingCommit.addLast(done);
            watermark = done.offset + 1;
        }
        return true;
    }

    /**
     * Gives {@code offset} back without settling it (a requeue while the endpoint stops): it no longer
     * counts in flight, and the watermark stays below it so the next owner reads it again.
     */
    synchronized boolean released(long offset) {
        Entry e = byOffset.get(offset);
        if (e == null || revoked || e.settled || e.released) {
            return false;
        }
        e.released = true;
        inFlight.decrementAndGet();
        return true;
    }

    /** The position to commit when it moved past the last one asked for, else -1; marks it asked for. */
    synchronized long toCommit() {
        if (watermark > requested) {
            requested = watermark;
            return watermark;
        }
        return -1;
    }

    /**
     * What a transaction commits for this partition: the position (the watermark, or with
     * {@code finalCommit} the {@link #finalPosition()}) and the held outputs of every settled record
     * below it not taken before, in offset order; null when the position has not moved (and, unless
     * {@code finalCommit}, nothing is due). The outputs are handed over once: if the transaction fails,
     * the partition is rewound and its records, with their outputs, come again.
     */
    synchronized Batch takeForTransaction(boolean finalCommit) {
        long position;
        if (finalCommit) {
            position = finalPosition();
        } else {
            position = watermark > requested ? watermark : -1;
        }
        if (position < 0) {
            return null;
        }
        requested = Math.max(requested, position);
        List<ProducedMessage> out = new ArrayList<>();
        if (retryOutputs != null) { // an aborted transaction's, older than any below
            out.addAll(retryOutputs);
            retryOutputs = null;
        }
        for (Entry e : awaitingCommit) { // all below the watermark
            if (e.outputs != null) {
                out.addAll(e.outputs);
                e.outputs = null;
            }
        }
        return new Batch(position, out);
    }

    /**
     * The transaction that carried {@code batch} was aborted (nothing of it is visible): its outputs go,
     * first and in order, into the next transaction, which asks for the position again.
     */
    synchronized void transactionAborted(Batch batch) {
        if (revoked) {
            return;
        }
        if (!batch.outputs().isEmpty()) {
            List<ProducedMessage> again = new ArrayList<>(batch.outputs());
            if (retryOutputs != null) {
                again.addAll(retryOutputs);
            }
            retryOutputs = again;
        }
        requested = committed;
    }

    /** A partition's part of a transaction: the position to commit and the outputs of the records below it. */
    record Batch(long position, List<ProducedMessage> outputs) {
    }

    /** The highest offset handed to the bus, -1 before any. */
    synchronized long handedUpTo() {
        return handedUpTo;
    }

    /**
     * Where to read again after a failed transaction, as far as this tracker knows: the last position
     * committed, else the first record it was handed (where the partition was when assigned); -1 when
     * nothing was handed.
     */
    synchronized long rewindPosition() {
        if (firstHanded < 0) {
            return -1;
        }
        return committed >= 0 ? committed : firstHanded;
    }

    /** The commit metadata that tells the next owner which records this one handed out: {@code omnibus:handed=<offset>}. */
    synchronized String commitMetadata() {
        return handedUpTo < 0 ? "" : METADATA_PREFIX + handedUpTo;
    }

    /**
     * Reads a previous owner's {@link #commitMetadata()}: records up to the offset it names were
     * handed out before and are delivered with a delivery count of 2 ({@code redelivered}).
     */
    synchronized void previousOwner(String metadata) {
        if (metadata != null && metadata.startsWith(METADATA_PREFIX)) {
            try {
                previousOwnerHandedUpTo = Long.parseLong(metadata.substring(METADATA_PREFIX.length()));
            } catch (NumberFormatException e) {
                previousOwnerHandedUpTo = -1; // someone else's metadata: no claim either way
            }
        }
    }

    /** 2 for a record a previous owner handed out without committing it, else 1. */
    synchronized int firstDeliveryCount(long offset) {
        return offset <= previousOwnerHandedUpTo ? 2 : 1;
    }

    /**
     * The position for a final commit (revocation, stop): the watermark, or, when nothing settled,
     * the first handed record's offset, so the commit still tells the next owner what was handed out;
     * -1 when nothing was handed.
     */
    synchronized long finalPosition() {
        if (watermark >= 0) {
            return watermark;
        }
        return open.isEmpty() ? -1 : open.peekFirst().offset;
    }

    /** The settled position whether or not it was committed, -1 before anything settled. */
    synchronized long watermark() {
        return watermark;
    }

    /** A commit of {@code position} succeeded: completes the futures of the records below it. */
    void committed(long position) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (this) {
            committed = Math.max(committed, position);
            while (!awaitingCommit.isEmpty() && awaitingCommit.peekFirst().offset < position) {
                done.add(awaitingCommit.pollFirst().committed);
            }
        }
        complete(done, null); // outside the lock: callbacks run here
    }

    /** A commit of {@code position} failed: the futures of the records it covered fail with {@code cause}. */
    void commitFailed(long position, Throwable cause) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (this) {
            requested = committed; // the next commit asks again
            while (!awaitingCommit.isEmpty() && awaitingCommit.peekFirst().offset < position) {
                done.add(awaitingCommit.pollFirst().committed);
            }
        }
        complete(done, cause);
    }

    /** How many handed records are neither settled nor released. */
    synchronized int inFlight() {
        int n = 0;
        for (Entry e : open) {
            if (!e.settled && !e.released) {
                n++;
            }
        }
        return n;
    }

    /**
     * Refuses later settlements and hands ({@link #revoked()} turns true), keeping the futures, so a
     * final commit of the {@link #watermark()} can still complete those it covers.
     */
    synchronized void freeze() {
        if (revoked) {
            return;
        }
        revoked = true;
        for (Entry e : open) {
            if (!e.settled && !e.released) {
                inFlight.decrementAndGet();
            }
        }
    }

    /**
     * The partition is gone: later settlements are refused, and every future not yet completed
     * fails with {@code cause} (its record goes to the partition's next owner).
     */
    void revoke(Throwable cause) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (this) {
            freeze();
            for (Entry e : awaitingCommit) {
                done.add(e.committed);
            }
            for (Entry e : open) {
                done.add(e.committed);
            }
            awaitingCommit.clear();
            open.clear();
            byOffset.clear();
        }
        complete(done, cause);
    }

    synchronized boolean revoked() {
        return revoked;
    }

    private static void complete(List<CompletableFuture<Void>> futures, Throwable cause) {
        for (CompletableFuture<Void> f : futures) {
            if (cause == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(cause);
            }
        }
    }
}
