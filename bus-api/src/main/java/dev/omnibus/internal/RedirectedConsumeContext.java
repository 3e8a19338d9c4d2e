package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.ConsumeContext;
import dev.omnibus.Envelope;
import dev.omnibus.MessageType;
import dev.omnibus.SendOptions;
import dev.omnibus.spi.Outbound;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A consume context whose produced messages go to an {@link Outbound}. Internal: made by
 * {@link dev.omnibus.spi.ConsumeContexts#redirect}. Used by one thread at a time.
 */
public final class RedirectedConsumeContext<T> implements ConsumeContext<T> {
    private final ConsumeContext<T> delegate;
    private final DefaultConsumeContext root;
    private final Outbound outbound;
    private final List<?> attributes;

    private RedirectedConsumeContext(ConsumeContext<T> delegate, DefaultConsumeContext root, Outbound outbound,
            List<?> attributes) {
        this.delegate = delegate;
        this.root = root;
        this.outbound = outbound;
        this.attributes = List.copyOf(attributes);
    }

    /** See {@link dev.omnibus.spi.ConsumeContexts#redirect}. */
    public static <T> ConsumeContext<T> of(ConsumeContext<T> context, Outbound outbound, List<?> attributes) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(outbound, "outbound");
        Objects.requireNonNull(attributes, "attributes");
        DefaultConsumeContext root;
        if (context instanceof DefaultConsumeContext d) {
            root = d;
        } else if (context instanceof RedirectedConsumeContext<?> r) {
            root = r.root;
        } else {
            throw new IllegalArgumentException("only a context the bus passed to a filter can be redirected, not "
                    + context.getClass().getName() + " (put the redirecting filter before filters that wrap the context)");
        }
        return new RedirectedConsumeContext<>(context, root, outbound, attributes);
    }

    @Override
    public T message() {
        return delegate.message();
    }

    @Override
    public Envelope envelope() {
        return delegate.envelope();
    }

    @Override
    public MessageType messageType() {
        return delegate.messageType();
    }

    @Override
    public String endpoint() {
        return delegate.endpoint();
    }

    @Override
    public boolean redelivered() {
        return delegate.redelivered();
    }

    @Override
    public int retryAttempt() {
        return delegate.retryAttempt();
    }

    @Override
    public int redeliveryCount() {
        return delegate.redeliveryCount();
    }

    @Override
    public java.time.Clock clock() {
        return delegate.clock();
    }

    @Override
    public <A> Optional<A> attribute(Class<A> type) {
        for (Object a : attributes) {
            if (type.isInstance(a)) {
                return Optional.of(type.cast(a));
            }
        }
        return delegate.attribute(type);
    }

    @Override
    public CompletableFuture<Void> publish(Object message, SendOptions options) {
        return produce(null, message, options, null, false);
    }

    @Override
    public CompletableFuture<Void> send(Address destination, Object message, SendOptions options) {
        return produce(Objects.requireNonNull(destination, "destination"), message, options, null, false);
    }

    @Override
    public CompletableFuture<Void> respond(Object response, SendOptions options) {
        URI to = envelope().responseAddress();
        // an address from the consumed message: held as a reply, so it leaves through Transport.reply
        return produce(to == null ? null : new Address(to), response, MessageProducer.replyOptions(options, envelope()),
                envelope().requestId(), to != null);
    }

    @Override
    public <R> CompletableFuture<R> request(Address destination, Object message, Class<R> responseType, Duration timeout) {
        return delegate.request(destination, message, responseType, timeout);
    }

    /** Asks the outbound first (its transaction), then the bus's scheduler. */
    @Override
    public boolean cancelScheduledSend(UUID messageId) {
        Objects.requireNonNull(messageId, "messageId");
        return outbound.cancelScheduled(messageId) || delegate.cancelScheduledSend(messageId);
    }

    private CompletableFuture<Void> produce(Address destination, Object message, SendOptions options, UUID requestId,
            boolean reply) {
        ReceiveEndpointRuntime endpoint = root.endpointRuntime();
        endpoint.bus().checkCanProduce();
        CompletableFuture<Void> f;
        try {
            endpoint.producer().produceTo(outbound, new MessageProducer.Production(destination,
                    Objects.requireNonNull(message, "message"), null, Objects.requireNonNull(options, "options"),
                    envelope(), endpoint.address(), requestId, null, reply));
            f = CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        root.addProduced(f);
        return f;
    }
}
