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

    SqsDelivery(SqsReceiver receiver, byte[] body, Headers headers, String receipt, int receiveCount, Object dueHeader) {
        this.dueHeader = dueHeader;
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
        return !settled.get() && !receiver.isClosed();
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

    /** Claims the settlement; false when someone settled (or the loop returned) it already. */
    boolean claim() {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        receiver.settled(this);
        return true;
    }

    @Override
    public CompletionStage<Void> ack() {
        if (receiver.isClosed() || !claim()) {
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
        if (receiver.isClosed() || !claim()) {
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
