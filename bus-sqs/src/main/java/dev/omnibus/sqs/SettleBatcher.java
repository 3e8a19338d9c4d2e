package dev.omnibus.sqs;

import dev.omnibus.TransportException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;

/**
 * Deletes and visibility changes of one queue, batched: an entry waits at most the flush interval
 * for others to share its {@code DeleteMessageBatch} or {@code ChangeMessageVisibilityBatch} call, and
 * a batch goes at once when it holds 10 (SQS's limit; entries are receipt handles, far below the
 * batch's byte limit, so the count is the only bound checked before an entry is added). A partial
 * batch of deletes waits longer while deliveries of the queue are still unsettled or receives are in
 * flight (more deletes will come soon and can share the call): one flush interval at a time, up to 10 flush intervals after its first
 * entry (50 ms by default); visibility changes (requeues, lease extensions) never wait longer. Each entry's
 * future completes when SQS confirmed it, or fails with a {@link TransportException} (that entry's
 * error, or the call's). Thread-safe: a lock guards only the two pending lists.
 */
final class SettleBatcher {
    static final int MAX_BATCH = 10;

    private record Pending(String receipt, int visibilitySeconds, CompletableFuture<Void> done) {
    }

    private final SqsAsyncClient sqs;
    private final String queueUrl;
    private final ScheduledExecutorService timer;
    private final long flushNanos;
    private final Object lock = new Object();
    private List<Pending> deletes = new ArrayList<>();
    private List<Pending> changes = new ArrayList<>();
    private ScheduledFuture<?> scheduled;
    /** Batch calls not yet answered, so a closing receive loop can wait for them. */
    private final java.util.Set<CompletableFuture<?>> calls = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Whether more deletes are coming (deliveries of the queue unsettled), so a partial batch of deletes may wait. */
    private final java.util.function.BooleanSupplier moreComing;
    private long deletesSince;

    SettleBatcher(SqsAsyncClient sqs, String queueUrl, ScheduledExecutorService timer, long flushNanos) {
        this(sqs, queueUrl, timer, flushNanos, () -> false);
    }

    SettleBatcher(SqsAsyncClient sqs, String queueUrl, ScheduledExecutorService timer, long flushNanos,
            java.util.function.BooleanSupplier moreComing) {
        this.moreComing = moreComing;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.timer = timer;
        this.flushNanos = flushNanos;
    }

    CompletableFuture<Void> delete(String receipt) {
        return add(new Pending(receipt, -1, new CompletableFuture<>()), true);
    }

    CompletableFuture<Void> changeVisibility(String receipt, int seconds) {
        return add(new Pending(receipt, seconds, new CompletableFuture<>()), false);
    }

    private CompletableFuture<Void> add(Pending p, boolean delete) {
        List<Pending> full = null;
        synchronized (lock) {
            List<Pending> list = delete ? deletes : changes;
            if (delete && list.isEmpty()) {
                deletesSince = System.nanoTime();
            }
            list.add(p);
            if (list.size() >= MAX_BATCH) {
                full = list;
                if (delete) {
                    deletes = new ArrayList<>();
                } else {
                    changes = new ArrayList<>();
                }
            } else if (scheduled == null) {
                try {
                    scheduled = timer.schedule(() -> flush(false), flushNanos, TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    full = list; // shutting down: send now
                    if (delete) {
                        deletes = new ArrayList<>();
                    } else {
                        changes = new ArrayList<>();
                    }
                }
            }
        }
        if (full != null) {
            send(full, delete);
        }
        return p.done();
    }

    /** Sends whatever is pending (the timer's flush: a partial batch of deletes may wait a little more). */
    void flush() {
        flush(false);
    }

    private void flush(boolean force) {
        List<Pending> d;
        List<Pending> c;
        synchronized (lock) {
            scheduled = null;
            boolean holdDeletes = !force && !deletes.isEmpty() && deletes.size() < MAX_BATCH && flushNanos > 0
                    && System.nanoTime() - deletesSince < 10 * flushNanos && moreComing.getAsBoolean();
            d = holdDeletes ? List.of() : deletes;
            c = changes;
            if (!holdDeletes) {
                deletes = new ArrayList<>();
            }
            changes = new ArrayList<>();
            if (holdDeletes) {
                try {
                    scheduled = timer.schedule(() -> flush(false), flushNanos, TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    d = deletes; // shutting down: send now
                    deletes = new ArrayList<>();
                }
            }
        }
        if (!d.isEmpty()) {
            send(d, true);
        }
        if (!c.isEmpty()) {
            send(c, false);
        }
    }

    /** Sends what is pending and returns when every call made so far is answered (or failed). */
    CompletableFuture<Void> drain() {
        flush(true);
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).handle((v, e) -> null);
    }

    private void send(List<Pending> batch, boolean delete) {
        Map<String, Pending> byId = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            byId.put(String.valueOf(i), batch.get(i));
        }
        CompletableFuture<List<BatchResultErrorEntry>> call;
        if (delete) {
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            byId.forEach((id, p) -> entries.add(DeleteMessageBatchRequestEntry.builder().id(id).receiptHandle(p.receipt()).build()));
            call = sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(entries)).thenApply(r -> r.failed());
        } else {
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            byId.forEach((id, p) -> entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(id)
                    .receiptHandle(p.receipt()).visibilityTimeout(p.visibilitySeconds()).build()));
            call = sqs.changeMessageVisibilityBatch(b -> b.queueUrl(queueUrl).entries(entries)).thenApply(r -> r.failed());
        }
        String what = delete ? "deleting" : "changing the visibility of";
        calls.add(call);
        CompletableFuture<List<BatchResultErrorEntry>> mine = call;
        call.whenComplete((r, e) -> calls.remove(mine));
        call.whenComplete((failed, e) -> {
            if (e != null) {
                Throwable c = Queues.cause(e);
                TransportException x = new TransportException(what + " " + batch.size() + " messages of " + queueUrl
                        + " failed: " + c, c, true);
                batch.forEach(p -> p.done().completeExceptionally(x));
                return;
            }
            for (BatchResultErrorEntry f : failed) {
                Pending p = byId.remove(f.id());
                if (p != null) {
                    p.done().completeExceptionally(new TransportException(what + " a message of " + queueUrl + " failed: "
                            + f.code() + " " + f.message(), null, !Boolean.TRUE.equals(f.senderFault())));
                }
            }
            byId.values().forEach(p -> p.done().complete(null));
        });
    }
}
