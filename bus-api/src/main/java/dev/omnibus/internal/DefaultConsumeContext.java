package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.ConsumeContext;
import dev.omnibus.Envelope;
import dev.omnibus.MessageType;
import dev.omnibus.SendOptions;
import dev.omnibus.spi.Delivery;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The consume context of one delivery: the part of its {@link ReceiveContext} (the only subclass: one
 * object per delivery) that consumers see, filled in by the bind stage. Used by one thread at a time.
 */
abstract sealed class DefaultConsumeContext implements ConsumeContext<Object> permits ReceiveContext {
    private Object message; // null until bound
    private int redeliveryCount;
    private List<CompletableFuture<Void>> produced; // guarded by this; made on the first message produced
    private int retryAttempt;

    /** Binds the message: from now on this is the delivery's consume context. */
    final void bind(Object message, int redeliveryCount) {
        this.message = message;
        this.redeliveryCount = redeliveryCount;
    }

    /** The redelivery count when the transport header cannot carry it (a redelivery in place). */
    final void redeliveryCount(int count) {
        this.redeliveryCount = count;
    }

    private ReceiveContext receive() {
        return (ReceiveContext) this;
    }

    @Override
    public Object message() {
        return message;
    }

    @Override
    public MessageType messageType() {
        return receive().type;
    }

    @Override
    public String endpoint() {
        return receive().endpoint.name();
    }

    @Override
    public boolean redelivered() {
        return receive().delivery.redelivered();
    }

    @Override
    public int retryAttempt() {
        return retryAttempt;
    }

    @Override
    public int redeliveryCount() {
        return redeliveryCount;
    }

    @Override
    public java.time.Clock clock() {
        return receive().endpoint.bus().clock();
    }

    @Override
    public CompletableFuture<Void> publish(Object msg, SendOptions options) {
        return produce(null, msg, options, null, false);
    }

    @Override
    public CompletableFuture<Void> send(Address destination, Object msg, SendOptions options) {
        return produce(java.util.Objects.requireNonNull(destination, "destination"), msg, options, null, false);
    }

    @Override
    public CompletableFuture<Void> respond(Object response, SendOptions options) {
        URI to = envelope().responseAddress();
        // the address came from the message: Transport.reply, which creates nothing for it
        return produce(to == null ? null : new Address(to), response, MessageProducer.replyOptions(options, envelope()),
                envelope().requestId(), to != null);
    }

    @Override
    public <R> CompletableFuture<R> request(Address destination, Object msg, Class<R> responseType,
            java.time.Duration timeout) {
        receive().endpoint.bus().checkCanProduce();
        return receive().endpoint.bus().requests().request(destination, java.util.Objects.requireNonNull(msg, "message"),
                java.util.Objects.requireNonNull(responseType, "responseType"), timeout, SendOptions.defaults(), envelope());
    }

    @Override
    public boolean cancelScheduledSend(java.util.UUID messageId) {
        return receive().endpoint.bus().cancelScheduled(java.util.Objects.requireNonNull(messageId, "messageId"));
    }

    private CompletableFuture<Void> produce(Address destination, Object msg, SendOptions options, java.util.UUID requestId,
            boolean reply) {
        receive().endpoint.bus().checkCanProduce();
        CompletableFuture<Void> f = receive().endpoint.producer().produce(receive().endpoint.producer().production(
                destination, msg, null, options, envelope(), receive().endpoint.address(), requestId, null, reply));
        addProduced(f); // the runtime waits for the transport's own future, without a thread hop
        return receive().endpoint.bus().completions().detach(f);
    }

    /** Records a future produced on this delivery's behalf (by a redirected view of this context). */
    synchronized void addProduced(CompletableFuture<Void> f) {
        if (produced == null) {
            produced = new ArrayList<>(2);
        }
        produced.add(f);
    }

    ReceiveEndpointRuntime endpointRuntime() {
        return receive().endpoint;
    }

    /** Everything produced so far (and clears the list, for the next attempt). */
    synchronized List<CompletableFuture<Void>> takeProduced() {
        if (produced == null || produced.isEmpty()) {
            return List.of();
        }
        List<CompletableFuture<Void>> copy = List.copyOf(produced);
        produced.clear();
        return copy;
    }

    Delivery delivery() {
        return receive().delivery;
    }

    void nextAttempt() {
        retryAttempt++;
    }

}
