package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.BusStateException;
import dev.omnibus.Envelope;
import dev.omnibus.Fault;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.RequestFaultException;
import dev.omnibus.RequestTimeoutException;
import dev.omnibus.SendOptions;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request side of request/response: a temporary response queue per bus, the requests waiting
 * on it by requestId, and their timeouts on the bus's clock.
 */
final class RequestClient implements DeliveryHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RequestClient.class);
    static final String ACCEPT_TYPE = "MT-Request-AcceptType";

    private final DefaultBus bus;
    private final BusSpec spec;
    private final String queue;
    private final Map<UUID, Pending<?>> pending = new ConcurrentHashMap<>();
    private volatile URI address;

    /** A waiting request. Its timer is set just after it is registered, so it may still be null. */
    private static final class Pending<R> {
        private final CompletableFuture<R> future;
        private final MessageType responseType;
        private final MessageType requestType;
        private volatile BusClock.Cancellable timer;

        Pending(CompletableFuture<R> future, MessageType responseType, MessageType requestType) {
            this.future = future;
            this.responseType = responseType;
            this.requestType = requestType;
        }

        CompletableFuture<R> future() {
            return future;
        }

        MessageType responseType() {
            return responseType;
        }

        MessageType requestType() {
            return requestType;
        }

        void cancelTimer() {
            BusClock.Cancellable t = timer;
            if (t != null) {
                t.cancel();
            }
        }
    }

    RequestClient(DefaultBus bus, BusSpec spec) {
        this.bus = bus;
        this.spec = spec;
        String raw = spec.name() + "_bus_" + Long.toString(Uuid7.next().getLeastSignificantBits() & Long.MAX_VALUE, 36);
        String clean = raw.replaceAll("[^A-Za-z0-9_\\-.]", "");
        this.queue = clean.length() > 72 ? clean.substring(clean.length() - 72) : clean;
    }

    String queue() {
        return queue;
    }

    URI address() {
        if (address == null) {
            address = spec.transport().resolve(Address.queue(queue));
        }
        return address;
    }

    <R> CompletableFuture<R> request(Address destination, Object message, Class<R> responseClass, Duration timeout,
            SendOptions options, Envelope parent) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new dev.omnibus.ConfigurationException("request timeout must be positive, was " + timeout);
        }
        MessageTypeRegistry registry = spec.registry();
        MessageType responseType = registry.typeOf(responseClass);
        MessageType requestType = registry.typeOf(message.getClass());
        dev.omnibus.spi.Interleaving.point("request");
        UUID requestId = Uuid7.next();
        CompletableFuture<R> future = new CompletableFuture<>();
        Pending<R> waiting = new Pending<>(future, responseType, requestType);
        // registered before the timer is set: a timer due at once (a tiny timeout, a clock that runs
        // due tasks immediately) must find the request, or its future would never complete
        pending.put(requestId, waiting);
        boolean sharedTimer = spec.clock().ownsTimerThread();
        waiting.timer = spec.clock().schedule(timeout, () -> {
            if (pending.remove(requestId) != null) {
                // off a shared timer thread; in place on a clock run by the thread that moves its time
                // (a test's virtual clock), so the timeout is seen when the clock has moved
                RequestTimeoutException e = new RequestTimeoutException(requestType.urn(), timeout);
                if (sharedTimer) {
                    bus.completions().execute(() -> future.completeExceptionally(e));
                } else {
                    future.completeExceptionally(e);
                }
            }
        });
        if (!pending.containsKey(requestId)) { // settled before its timer was set: withdraw the timer
            waiting.cancelTimer();
        }
        if (future.isDone()) {
            return future; // timed out already: nothing to send (and nothing to hand to another thread)
        }
        SendOptions o = options.timeToLive() == null ? options.withTimeToLive(timeout) : options;
        o = o.withHeader(ACCEPT_TYPE, List.of(responseType.urn()));
        CompletableFuture<Void> sent = bus.producer().produce(new MessageProducer.Production(destination, message,
                requestType, o, parent, address(), requestId, address()));
        if (sent.isDone()) { // refused at once: fail on the caller's thread, before returning
            failIfSendFailed(requestId, waiting, sent);
        } else {
            sent.whenComplete((ok, err) -> {
                if (err != null) {
                    bus.completions().execute(() -> failIfSendFailed(requestId, waiting, sent));
                }
            });
        }
        // the response completes the future on one of the bus's threads, never on the response queue's
        // receive thread (a continuation waiting there for another response would wait for itself)
        return future;
    }

    private void failIfSendFailed(UUID requestId, Pending<?> waiting, CompletableFuture<Void> sent) {
        if (sent.isCompletedExceptionally() && pending.remove(requestId) != null) {
            waiting.cancelTimer();
            try {
                sent.join();
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                waiting.future().completeExceptionally(e.getCause() != null ? e.getCause() : e);
            }
        }
    }

    @Override
    public void onDelivery(Delivery d) {
        try {
            handle(d);
        } catch (RuntimeException e) {
            LOG.warn("Response queue {}: could not read a response ({}); dropped", queue, e.toString());
        } finally {
            d.ack();
        }
    }

    private void handle(Delivery d) {
        if (d.reference() == null && d.body().length > spec.maxMessageSize()) { // never decode past the limit
            LOG.warn("Response queue {}: a response of {} bytes is over maxMessageSize ({} bytes); dropped unread, so "
                    + "its request fails at its timeout (message {})", queue, d.body().length, spec.maxMessageSize(),
                    InputLimits.forLog(d.headers().get(dev.omnibus.spi.OutgoingMessage.MESSAGE_ID)));
            return;
        }
        DecodedMessage decoded = d.reference() != null ? d.reference() // an in-process transport passed it by reference
                : bus.deserializerFor(d.headers(), null).deserialize(d.body(), d.headers());
        Envelope env = decoded.envelope();
        Pending<?> p = env.requestId() == null ? null : pending.remove(env.requestId());
        if (p == null) {
            LOG.debug("Response queue {}: response {} matches no waiting request (timed out?); dropped", queue,
                    env.messageId());
            return;
        }
        p.cancelTimer();
        bus.completions().execute(() -> complete(p, env, decoded));
    }

    @SuppressWarnings("unchecked")
    private <R> void complete(Pending<R> p, Envelope env, DecodedMessage decoded) {
        try {
            if (env.messageType().contains(p.responseType().urn())) {
                p.future().complete((R) decoded.message(p.responseType().javaType()));
            } else if (env.messageType().contains(MessageTypeRegistry.FAULT_URN)) {
                MessageType faultType = spec.registry().faultOf(p.requestType().rawType());
                p.future().completeExceptionally(new RequestFaultException((Fault<?>) decoded.message(faultType.javaType())));
            } else {
                p.future().completeExceptionally(new SerializationException("the response is " + env.messageType()
                        + ", expected " + p.responseType().urn()));
            }
        } catch (RuntimeException e) {
            p.future().completeExceptionally(e);
        }
    }

    /** Fails every waiting request; called at stop. */
    void failAll() {
        for (UUID id : List.copyOf(pending.keySet())) {
            Pending<?> p = pending.remove(id);
            if (p != null) {
                p.cancelTimer();
                bus.completions().execute(() -> p.future().completeExceptionally(
                        new BusStateException("the bus stopped before a response arrived")));
            }
        }
    }
}
