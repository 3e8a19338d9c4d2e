package dev.omnibus.sqs;

import dev.omnibus.Headers;
import dev.omnibus.spi.Delivery;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One SQS message handed to the bus. Settling: ack deletes it, requeue makes it visible again
 * ({@code ChangeMessageVisibility} 0, or the delay, up to SQS's 12 h), deadLetter sends a copy to
 * {@code _error}/{@code _skipped} and deletes it once the copy is confirmed; deletes and visibility
 * changes go through the queue's {@link SettleBatcher}. The first settling call wins; later ones, and
 * any after the receive loop closed (which made it visible again), do nothing. The delivery count is
 * SQS's {@code ApproximateReceiveCount}. Thread-safe.
 */
final class SqsDelivery implements Delivery {
    static final int MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

    private final SqsReceiver receiver;
    private final byte[] body;
    private final Headers headers;
    private final String receipt;
    private final int receiveCount;
    private final long receivedNanos = System.nanoTime();
    private final AtomicBoolean settled = new AtomicBoolean();
    private final Object dueHeader;
    /** The SQS message group of a FIFO queue's message, else null. */
    private final String groupId;
    /** Set when the lease ran out (the heartbeat's maximum passed): settling it no longer has an effect. */
    private volatile boolean lapsed;
    private volatile long leaseEndsNanos;

    SqsDelivery(SqsReceiver receiver, byte[] body, Headers headers, String receipt, int receiveCount, Object dueHeader,
            String groupId) {
        this.dueHeader = dueHeader;
        this.groupId = groupId;
        this.receiver = receiver;
        this.body = body;
        this.headers = headers;
        this.receipt = receipt;
        this.receiveCount = receiveCount;
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public String queue() {
        return receiver.queue();
    }

    @Override
    public int deliveryCount() {
        return receiveCount;
    }

    @Override
    public boolean isValid() {
        return !settled.get() && !lapsed && !receiver.isClosed();
    }

    /** On a FIFO queue, the message group (SQS keeps order within it); else the default key. */
    @Override
    public String orderingKey() {
        return groupId != null ? groupId : Delivery.super.orderingKey();
    }

    /** The message group on a FIFO queue, else null. */
    String groupId() {
        return groupId;
    }

    /**
     * Its lease ran out (the heartbeat stopped at {@code maxLeaseExtension}): SQS may hand it to
     * another consumer, so this delivery's settlement would act on a message someone else holds.
     * Claims it, so every later settling call does nothing; true when this call claimed it.
     */
    boolean lapse() {
        lapsed = true;
        return claim(true);
    }

    String receipt() {
        return receipt;
    }

    /** The {@code Omnibus-Due} header it came with, or null. */
    Object dueHeader() {
        return dueHeader;
    }

    long receivedNanos() {
        return receivedNanos;
    }

    /** When its lease ends as far as this process knows (System.nanoTime), 0 before the first extension. */
    long leaseEndsNanos() {
        return leaseEndsNanos;
    }

    void leaseEndsAt(long nanos) {
        leaseEndsNanos = nanos;
    }

    /** Claims the settlement; false when someone settled (or the loop returned) it already. */
    boolean claim() {
        return claim(true);
    }

    /** Claims the settlement, saying whether the message goes back to the queue (for the FIFO group gate). */
    private boolean claim(boolean requeued) {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        receiver.settled(this, requeued);
        return true;
    }

    @Override
    public CompletionStage<Void> ack() {
        if (receiver.isClosed() || !claim(false)) {
            return CompletableFuture.completedFuture(null);
        }
        return receiver.batcher().delete(receipt);
    }

    @Override
    public CompletionStage<Void> requeue() {
        if (receiver.isClosed() || !claim()) {
            return CompletableFuture.completedFuture(null);
        }
        return receiver.batcher().changeVisibility(receipt, 0);
    }

    /** A FIFO message: its group gets nothing more from SQS while it is invisible. */
    @Override
    public boolean requeueKeepsOrder() {
        return groupId != null;
    }

    @Override
    public CompletionStage<Void> requeue(Duration delay) {
        if (receiver.isClosed() || !claim()) {
            return CompletableFuture.completedFuture(null);
        }
        return receiver.batcher().changeVisibility(receipt, seconds(delay));
    }

    @Override
    public CompletionStage<Void> extendLease(Duration extension) {
        if (!isValid()) {
            return CompletableFuture.completedFuture(null);
        }
        return receiver.batcher().changeVisibility(receipt, seconds(extension));
    }

    @Override
    public CompletionStage<Void> deadLetter(DeadLetterQueue queue, Headers extraHeaders) {
        if (receiver.isClosed() || !claim(false)) {
            return CompletableFuture.completedFuture(null);
        }
        return receiver.transport().copy(queue.nameFor(receiver.queue()), body, headers.withAll(extraHeaders))
                .thenCompose(v -> receiver.batcher().delete(receipt));
    }

    /** Whole seconds, rounded up, within SQS's 0 to 12 h. */
    static int seconds(Duration d) {
        long s = d.toMillis() <= 0 ? 0 : (d.toMillis() + 999) / 1000;
        return (int) Math.min(MAX_VISIBILITY_SECONDS, s);
    }

    @Override
    public String toString() {
        return "SqsDelivery[" + receiver.queue() + ", " + headers.get("MessageId") + ", count " + receiveCount + "]";
    }
}
