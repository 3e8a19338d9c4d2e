package dev.omnibus.inmemory;

import dev.omnibus.Headers;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.OutgoingMessage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A delivery from an in-memory queue; settles once. A message passed by reference has no bytes until
 * someone asks for {@link #body()} (a reader below the bus): they are then written once, by the producing
 * bus's serializer ({@link DecodedMessage#serialize()}). Thread-safe.
 */
final class InMemoryDelivery implements Delivery {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<InMemoryDelivery> SETTLED =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(InMemoryDelivery.class, "settled");

    private final OutgoingMessage message;
    private final int deliveries; // before this one
    private final InMemoryReceiver receiver;
    private volatile int settled;
    private volatile byte[] written; // the by-reference message's bytes, once asked for
    // the receiver's list of unsettled deliveries, guarded by the queue's lock; next == this once unlinked
    InMemoryDelivery previous;
    InMemoryDelivery next;

    /** A delivery of the queue element {@code stored} (see {@link StoredMessage#of}). */
    InMemoryDelivery(Object stored, InMemoryReceiver receiver) {
        this.message = StoredMessage.messageOf(stored);
        this.deliveries = StoredMessage.deliveriesOf(stored);
        this.receiver = receiver;
    }

    @Override
    public byte[] body() {
        byte[] body = message.body();
        if (body.length > 0 || message.reference() == null) {
            return body;
        }
        byte[] w = written;
        if (w == null) {
            dev.omnibus.spi.SerializedMessage s = message.reference().serialize();
            w = s == null ? body : s.body();
            written = w;
        }
        return w;
    }

    @Override
    public Headers headers() {
        return message.headers();
    }

    @Override
    public int deliveryCount() {
        return deliveries + 1;
    }

    @Override
    public DecodedMessage reference() {
        return message.reference();
    }

    @Override
    public String queue() {
        return receiver.queue.name();
    }

    @Override
    public CompletionStage<Void> ack() {
        if (settle()) {
            receiver.settled(this);
        }
        return DONE;
    }

    @Override
    public CompletionStage<Void> requeue() {
        if (settle()) {
            InMemoryQueue q = receiver.queue;
            q.lock().lock(); // the permit is freed after the message is back, so it is not handed over twice
            try {
                q.returnToHead(new StoredMessage(message, deliveries + 1));
                receiver.settled(this);
            } finally {
                q.lock().unlock();
            }
        }
        return DONE;
    }

    void returnOnClose() {
        requeue();
    }

    @Override
    public CompletionStage<Void> deadLetter(DeadLetterQueue target, Headers extraHeaders) {
        if (settle()) {
            String name = target.nameFor(receiver.queue.name());
            InMemoryQueue q = receiver.broker.queue(name);
            if (q == null) {
                q = receiver.broker.declareQueue(name, false);
            }
            q.force(StoredMessage.deadLettered(message, deliveries, extraHeaders));
            receiver.settled(this);
        }
        return DONE;
    }

    private boolean settle() {
        return SETTLED.compareAndSet(this, 0, 1);
    }
}
