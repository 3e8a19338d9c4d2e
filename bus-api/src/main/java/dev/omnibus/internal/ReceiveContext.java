package dev.omnibus.internal;

import dev.omnibus.ConsumeContext;
import dev.omnibus.Envelope;
import dev.omnibus.MessageType;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.Serializer;
import java.util.List;

/**
 * One delivery on its endpoint: the task its executor runs, and what the receive pipeline knows
 * about it, filled in stage by stage: the delivery, then its decoded envelope, its message type and
 * consumers, then the consume context, which it is (bound by the bind stage). One object per delivery
 * (task, receive context and consume context were three).
 * {@link #claim()} is thread-safe (the worker and a stop race for it); the rest is used by one thread
 * at a time, the worker running the delivery.
 */
final class ReceiveContext extends DefaultConsumeContext implements TaskQueue.Linked {
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<ReceiveContext> CLAIMED =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(ReceiveContext.class, "claimed");

    final ReceiveEndpointRuntime endpoint;
    final Delivery delivery;
    /**
     * The endpoint's arrival number: a stop requeues waiting deliveries latest first. It wraps around
     * after 2^32 deliveries; compare two with {@link #byArrival} (those waiting at once are few).
     */
    final int arrival;
    private TaskQueue.Linked nextTask; // the executor's queue link
    private volatile int claimed;
    Serializer serializer;
    DecodedMessage decoded;
    /** Set by the decode stage for a message read from bytes; by reference made when first asked for. */
    private Envelope envelope;
    MessageType type;
    List<ConsumerBinding> consumers;
    /** The context the current filter handed on (a redirected view, say). */
    ConsumeContext<?> current;
    /** What the consumers produced under the in-memory outbox, set when they succeeded; else null. */
    InMemoryOutbox held;
    /** The consumer running now, for fault headers; null outside the consumers. */
    String consumer;

    ReceiveContext(ReceiveEndpointRuntime endpoint, Delivery delivery, int arrival) {
        super();
        this.endpoint = endpoint;
        this.delivery = delivery;
        this.arrival = arrival;
    }

    /** Whether the caller is the one to run or return this delivery: true once, for the first caller. */
    boolean claim() {
        return CLAIMED.compareAndSet(this, 0, 1);
    }

    @Override
    public void run() {
        endpoint.run(this);
    }

    @Override
    public TaskQueue.Linked nextTask() {
        return nextTask;
    }

    @Override
    public void nextTask(TaskQueue.Linked next) {
        nextTask = next;
    }

    /** Orders by arrival, earliest first, across the wrap-around of the arrival number. */
    static int byArrival(ReceiveContext a, ReceiveContext b) {
        return Integer.signum(a.arrival - b.arrival);
    }

    /** The envelope once decoded (null before): by reference, made now if nobody asked before. */
    @Override
    public Envelope envelope() {
        Envelope e = envelope;
        if (e == null && decoded != null) {
            e = decoded.envelope();
            envelope = e; // the same instance whoever asks (a benign race: ReferenceMessage makes it once)
        }
        return e;
    }

    void envelope(Envelope e) {
        envelope = e;
    }

    /** The envelope's message type URNs, without making a by-reference envelope. */
    List<String> messageTypes() {
        return decoded instanceof ReferenceMessage ref ? ref.messageTypes() : envelope().messageType();
    }

    /** The envelope's expiration time, without making a by-reference envelope. */
    java.time.Instant expirationTime() {
        return decoded instanceof ReferenceMessage ref ? ref.expirationTime() : envelope().expirationTime();
    }

    /** The envelope's headers, without making a by-reference envelope. */
    dev.omnibus.Headers envelopeHeaders() {
        return decoded instanceof ReferenceMessage ref ? ref.headers() : envelope().headers();
    }

    /** The envelope's correlation id, without making a by-reference envelope. */
    @Override
    public java.util.UUID correlationId() {
        return decoded instanceof ReferenceMessage ref ? ref.correlationId() : envelope().correlationId();
    }

    /** The message id for logs: the envelope's once decoded, else the transport header. */
    Object logId() {
        if (decoded instanceof ReferenceMessage ref) {
            return ref.messageId();
        }
        if (envelope != null && envelope.messageId() != null) {
            return envelope.messageId();
        }
        Object header = delivery.headers().get(dev.omnibus.spi.OutgoingMessage.MESSAGE_ID);
        return header == null ? null : InputLimits.forLog(header); // from the wire: no CR/LF into the log
    }
}
