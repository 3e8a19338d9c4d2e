package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.ConsumeContext;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.MessageType;
import dev.omnibus.SendOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The consume context of one mediator call. Small on purpose: the message, its type and, for a
 * request, a slot for the response; the envelope is made only when asked for. Used by the calling
 * thread only.
 */
final class MediatorContext<T> implements ConsumeContext<T> {
    static final Object NO_RESPONSE = new Object();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final DefaultMediator mediator;
    private final T message;
    private final MessageType type;
    /** null: not a request; NO_RESPONSE: a request not answered yet; else the response. */
    private Object response;
    private Envelope envelope;

    MediatorContext(DefaultMediator mediator, T message, MessageType type, Object response) {
        this.mediator = mediator;
        this.message = message;
        this.type = type;
        this.response = response;
    }

    Object response() {
        return response;
    }

    @Override
    public T message() {
        return message;
    }

    @Override
    public Envelope envelope() {
        Envelope e = envelope;
        if (e == null) {
            java.util.UUID id = Uuid7.next();
            e = new Envelope(id, null, null, id, null, null, null, null, null, type.messageTypes(),
                    java.time.Instant.now(), null, Headers.empty(), HostInfo.current());
            envelope = e;
        }
        return e;
    }

    @Override
    public MessageType messageType() {
        return type;
    }

    @Override
    public String endpoint() {
        return "mediator";
    }

    @Override
    public boolean redelivered() {
        return false;
    }

    @Override
    public int retryAttempt() {
        return 0;
    }

    @Override
    public int redeliveryCount() {
        return 0;
    }

    @Override
    public CompletableFuture<Void> publish(Object msg, SendOptions options) {
        mediator.publish(msg);
        return DONE;
    }

    @Override
    public CompletableFuture<Void> send(Address destination, Object msg, SendOptions options) {
        mediator.send(msg);
        return DONE;
    }

    @Override
    public CompletableFuture<Void> respond(Object r, SendOptions options) {
        if (response == null) {
            // not a request: as on the bus without a response address, the response is published
            mediator.publish(r);
        } else if (response == NO_RESPONSE) {
            response = r;
        } else {
            throw new IllegalStateException("respond called twice for one request");
        }
        return DONE;
    }

    @Override
    public <R> CompletableFuture<R> request(Address destination, Object msg, Class<R> responseType, Duration timeout) {
        return CompletableFuture.completedFuture(mediator.request(msg, responseType));
    }

    @Override
    public String toString() {
        return "MediatorContext[" + type.urn() + "]";
    }

}
