package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.MessageType;
import dev.omnibus.SendOptions;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.SerializedMessage;
import dev.omnibus.spi.Serializer;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Builds the envelope of an outgoing message, serializes it and hands it to the transport (or to
 * the scheduler when delayed). Shared by the bus and every consume context. Thread-safe.
 */
final class MessageProducer {
    private final BusSpec spec;
    private final Observers observers;
    private final Tracing tracing;
    private final dev.omnibus.spi.TransportCapabilities capabilities;
    private final String contentType;
    /** Each type's publish address, asked of the transport once (it is a function of the type). */
    private final java.util.concurrent.ConcurrentHashMap<String, Optional<URI>> publishAddresses =
            new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * The content type alone: by reference, the transport headers of a message with no correlation id nor
     * partition key (one for all); serialized, what the message id is added to.
     */
    private final Headers contentTypeHeaders;
    private static final byte[] NO_BODY = new byte[0];

    MessageProducer(BusSpec spec, Observers observers, Tracing tracing) {
        this.spec = spec;
        this.capabilities = spec.transport().capabilities();
        this.contentType = spec.serializer().contentType();
        this.contentTypeHeaders = Headers.of(OutgoingMessage.CONTENT_TYPE, contentType);
        this.observers = observers;
        this.tracing = tracing;
    }

    /** An encoded message and the envelope it carries. */
    interface Encoded {
        /** The envelope (by reference, made when first asked for). */
        Envelope envelope();

        /** What goes to the transport. */
        OutgoingMessage outgoing();

        UUID messageId();
    }

    /** A message encoded as bytes. */
    record Bytes(Envelope envelope, OutgoingMessage outgoing) implements Encoded {
        @Override
        public UUID messageId() {
            return envelope.messageId();
        }
    }

    /**
     * What to produce. Made by {@link #production}, which on a transport that takes references makes the
     * {@link ReferenceMessage} at once (one object where there were a production and its message).
     * Immutable, but for the type of a {@code ReferenceMessage}, filled in when it is encoded (before it is
     * handed over) if it was not given.
     */
    static class Production {
        private final Address destination;
        private final Object message;
        private MessageType type; // final but for ReferenceMessage.encoded (one field fewer there)
        private final SendOptions options;
        private final Envelope parent;
        private final URI source;
        private final UUID requestId;
        private final URI responseAddress;
        private final boolean reply;

        /**
         * @param destination     the endpoint, or null to publish
         * @param message         the message
         * @param type            its registered type, or null to look it up from its class
         * @param options         per-message options
         * @param parent          the consumed message's envelope, when produced by a consumer
         * @param source          the producing endpoint's address
         * @param requestId       the request id (on requests and responses), or null
         * @param responseAddress where responses go (on requests), or null for the options' own
         */
        Production(Address destination, Object message, MessageType type, SendOptions options, Envelope parent,
                URI source, UUID requestId, URI responseAddress) {
            this(destination, message, type, options, parent, source, requestId, responseAddress, false);
        }

        /**
         * As above; {@code reply}: the destination came from a consumed message (its response or fault
         * address), so it goes through {@link dev.omnibus.spi.Transport#reply}, which creates nothing for it.
         */
        Production(Address destination, Object message, MessageType type, SendOptions options, Envelope parent,
                URI source, UUID requestId, URI responseAddress, boolean reply) {
            this.reply = reply;
            this.destination = destination;
            this.message = message;
            this.type = type;
            this.options = options;
            this.parent = parent;
            this.source = source;
            this.requestId = requestId;
            this.responseAddress = responseAddress;
        }

        Address destination() {
            return destination;
        }

        Object message() {
            return message;
        }

        MessageType type() {
            return type;
        }

        /** Keeps the type encoding resolved: for {@link ReferenceMessage#encoded} only, before the hand-over. */
        final void resolved(MessageType resolved) {
            this.type = resolved;
        }

        SendOptions options() {
            return options;
        }

        Envelope parent() {
            return parent;
        }

        URI source() {
            return source;
        }

        UUID requestId() {
            return requestId;
        }

        URI responseAddress() {
            return responseAddress;
        }

        /** Whether the destination came from a consumed message: sent with {@code Transport.reply}. */
        boolean reply() {
            return reply;
        }
    }

    /**
     * What to produce (see {@link Production}'s parameters): a {@link ReferenceMessage} when the
     * transport takes references, else a plain production.
     */
    Production production(Address destination, Object message, MessageType type, SendOptions options, Envelope parent,
            URI source, UUID requestId, URI responseAddress) {
        return production(destination, message, type, options, parent, source, requestId, responseAddress, false);
    }

    /** As above; {@code reply}: the destination came from a consumed message ({@link Production#reply()}). */
    Production production(Address destination, Object message, MessageType type, SendOptions options, Envelope parent,
            URI source, UUID requestId, URI responseAddress, boolean reply) {
        return capabilities.byReference()
                ? new ReferenceMessage(this, destination, message, type, options, parent, source, requestId, responseAddress,
                        reply)
                : new Production(destination, message, type, options, parent, source, requestId, responseAddress, reply);
    }

    /**
     * Encodes and hands over. Never throws for what goes wrong after the arguments are checked:
     * an encoding, transport or scheduler failure fails the returned future, and the producer span
     * ends (marked as an error) either way.
     */
    CompletableFuture<Void> produce(Production p) {
        Objects.requireNonNull(p.message(), "message");
        dev.omnibus.spi.Interleaving.point(p.destination() == null ? "publish" : p.reply() ? "respond" : "send");
        Encoded encoded;
        MessageType type;
        io.opentelemetry.api.trace.Span span = null;
        try {
            type = p.type() != null ? p.type() : spec.registry().typeOf(p.message().getClass());
            span = p.destination() == null
                    ? tracing.startProducer("publish", type.urn(), type.urn())
                    : tracing.startProducer("send", p.destination().name(), type.urn());
            encoded = encode(p, type, span, capabilities.byReference());
        } catch (RuntimeException e) {
            if (span != null) {
                Tracing.fail(span, e);
                span.end();
            }
            return CompletableFuture.failedFuture(e);
        }
        io.opentelemetry.api.trace.Span producing = span;
        CompletableFuture<Void> handedOver;
        try {
            handedOver = handOver(p, type, encoded);
        } catch (RuntimeException e) { // a scheduler (or a transport breaking its contract) threw: fail the future
            handedOver = CompletableFuture.failedFuture(e);
        }
        if (!tracing.enabled()) {
            return handedOver; // no SDK: no span to end, no continuation to allocate
        }
        producing.setAttribute(Tracing.MESSAGE_ID, String.valueOf(encoded.messageId()));
        return handedOver.whenComplete((ok, err) -> {
            if (err != null) {
                Tracing.fail(producing, err);
            }
            producing.end();
        });
    }

    private CompletableFuture<Void> handOver(Production p, MessageType type, Encoded encoded) {
        OutgoingMessage out = encoded.outgoing();
        SendOptions o = p.options();
        if (o.delay() != null && !o.delay().isZero()) {
            if (p.destination() == null) {
                return CompletableFuture.failedFuture(new dev.omnibus.ConfigurationException(
                        "a delay needs a destination: schedule with send(Address, message, options), not publish"));
            }
            java.time.Instant due = spec.clock().now().plus(o.delay());
            observed(encoded, p); // before the hand-over: a zero delay may deliver at once
            spec.scheduler().schedule(due, p.destination(), out.withDue(due)); // a refusal fails the future in produce
            return CompletableFuture.completedFuture(null);
        }
        observed(encoded, p); // before the hand-over, so a consumer's reaction is never seen before its cause
        return p.destination() == null ? spec.transport().publish(type, out)
                : p.reply() ? spec.transport().reply(p.destination(), out)
                : spec.transport().send(p.destination(), out);
    }

    /**
     * Encodes as {@link #produce} does and hands the message to {@code outbound} instead of the
     * transport; synchronous, throws what encoding or the outbound throws. Not observed (except by the
     * in-memory outbox, whose messages are observed when they leave).
     *
     * @return the message id
     */
    UUID produceTo(dev.omnibus.spi.Outbound outbound, Production p) {
        Objects.requireNonNull(p.message(), "message");
        MessageType type = p.type() != null ? p.type() : spec.registry().typeOf(p.message().getClass());
        SendOptions o = p.options();
        if (o.delay() != null && !o.delay().isZero() && p.destination() == null) {
            throw new dev.omnibus.ConfigurationException(
                    "a delay needs a destination: schedule with send(Address, message, options), not publish");
        }
        // the span covers the write into the outbound; its context travels in the stored headers,
        // so the consumer's span is its child however late the message is relayed
        io.opentelemetry.api.trace.Span span = p.destination() == null
                ? tracing.startProducer("publish", type.urn(), type.urn())
                : tracing.startProducer("send", p.destination().name(), type.urn());
        try {
            Encoded encoded = encode(p, type, span, false); // an outbound stores bytes, whatever the transport
            if (tracing.enabled()) {
                span.setAttribute(Tracing.MESSAGE_ID, String.valueOf(encoded.messageId()));
            }
            OutgoingMessage out = encoded.outgoing();
            InMemoryOutbox held = outbound instanceof InMemoryOutbox h ? h : null;
            if (held != null) {
                held.typeOfNext(type);
            }
            if (o.delay() != null && !o.delay().isZero()) {
                outbound.schedule(spec.clock().now().plus(o.delay()), p.destination(), out);
            } else if (p.destination() == null) {
                outbound.publish(type, out);
            } else if (p.reply()) {
                outbound.reply(p.destination(), out);
            } else {
                outbound.send(p.destination(), out);
            }
            if (held != null) { // held messages are observed when they leave, as sent ones are when sent
                held.observeOnRelease(() -> observed(encoded, p));
            }
            return encoded.messageId();
        } catch (RuntimeException e) {
            Tracing.fail(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    private void observed(Encoded encoded, Production p) {
        if (observers.any()) {
            observers.produced(encoded.envelope(), p.message(), p.destination(), p.parent());
        }
    }

    /** Encodes {@code p}: as bytes, or as a {@link ReferenceMessage} when {@code byReference} (the transport carries objects). */
    Encoded encode(Production p, MessageType type, io.opentelemetry.api.trace.Span span, boolean byReference) {
        SendOptions o = p.options();
        Envelope parent = p.parent();
        Instant now = spec.clock().now();
        Headers headers = tracing.inject(span,
                parent != null ? applicationHeaders(parent.headers()).withAll(o.headers()) : o.headers());
        if (byReference) {
            return byReference(p, type, now, headers);
        }
        UUID messageId = o.messageId() != null ? o.messageId() : Uuid7.next();
        Envelope envelope = envelope(p, type, messageId, now, headers);
        SerializedMessage s = spec.serializer().serialize(envelope, p.message());
        if (s.body().length > spec.maxMessageSize()) {
            throw new SerializationException("message " + type.urn() + " is " + s.body().length
                    + " bytes, over the limit of " + spec.maxMessageSize() + " (BusBuilder.maxMessageSize)");
        }
        UUID correlationId = o.correlationId();
        String partitionKey = partitionKey(o, correlationId, parent);
        String id = messageId.toString();
        Headers transportHeaders;
        if (correlationId == null && partitionKey == null && contentType.equals(s.contentType())) {
            // the usual case: the shared content-type headers and the id, one map (there were two)
            transportHeaders = contentTypeHeaders.with(OutgoingMessage.MESSAGE_ID, id);
        } else {
            Map<String, Object> th = new LinkedHashMap<>();
            th.put(OutgoingMessage.CONTENT_TYPE, s.contentType());
            th.put(OutgoingMessage.MESSAGE_ID, id);
            if (correlationId != null) {
                th.put(OutgoingMessage.CORRELATION_ID, correlationId.toString());
            }
            if (partitionKey != null && (correlationId == null || !partitionKey.equals(correlationId.toString()))) {
                th.put(OutgoingMessage.PARTITION_KEY, partitionKey);
            }
            transportHeaders = Headers.of(th);
        }
        transportHeaders = transportHeaders.withAll(s.transportHeaders());
        checkHeaderLimits(type, transportHeaders);
        // deduplicated by the message id, unless the serializer's headers replaced it (then read from them)
        UUID deduplicationId = transportHeaders.get(OutgoingMessage.MESSAGE_ID) == id ? messageId : null;
        return new Bytes(envelope, new OutgoingMessage(s.body(), transportHeaders, partitionKey, envelope.expirationTime(),
                deduplicationId, null, null));
    }

    /**
     * The envelope of {@code p}, sent at {@code now}: made at once for bytes, and when first asked for
     * by reference (the same inputs, so the same envelope).
     */
    Envelope envelope(Production p, MessageType type, UUID messageId, Instant now, Headers headers) {
        SendOptions o = p.options();
        Envelope parent = p.parent();
        // .NET keeps 7 fractional digits: microseconds survive a round trip through MassTransit
        Instant sent = now.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        // MassTransit does not carry the consumed correlationId onto what a consumer publishes or sends
        // (TransferConsumeContextHeaders copies conversation and initiator only); a response and a
        // fault copy it. The flow's ordering key is carried instead (partitionKey), so a flow stays in
        // order on the partitioned executor. (Responses and faults pass it in their options: replyOptions.)
        UUID correlationId = o.correlationId();
        UUID conversationId = parent != null && parent.conversationId() != null ? parent.conversationId() : Uuid7.next();
        // MassTransit: the consumed message's correlationId, else its requestId
        // (SendContextExtensions.TransferConsumeContextHeaders, src/MassTransit/SendContextExtensions.cs)
        UUID initiatorId = parent == null ? null
                : parent.correlationId() != null ? parent.correlationId() : parent.requestId();
        // a publish names the type's topic, as MassTransit writes the exchange's address there
        URI destination = p.destination() != null
                ? spec.transport().resolve(p.destination())
                : publishAddress(type);
        // a request's own response address wins; else the one the options name, if any
        URI responseAddress = p.responseAddress() != null ? p.responseAddress()
                : o.responseAddress() != null ? spec.transport().resolve(o.responseAddress()) : null;
        return new Envelope(messageId, p.requestId(), correlationId, conversationId, initiatorId,
                p.source(), destination, responseAddress, null, type.messageTypes(), sent,
                expiration(o, sent), headers, HostInfo.current());
    }

    private static Instant expiration(SendOptions o, Instant sent) {
        return o.timeToLive() != null ? sent.plus(o.timeToLive()) : null;
    }

    /**
     * The message for a transport that takes references: no bytes and no envelope yet (the consumer
     * rarely reads it; {@link ReferenceMessage} makes it when asked), the object itself. The transport
     * headers name the bus's content type (so a copy that needs bytes, for an error queue or a
     * redelivery, is encoded in it) and, when set, the correlation id and partition key; without those
     * they are one shared instance. The message id is kept as two longs and made a {@code UUID} only when
     * asked for (a scheduler reads it from the envelope).
     */
    private Encoded byReference(Production p, MessageType type, Instant now, Headers headers) {
        SendOptions o = p.options();
        UUID correlationId = o.correlationId();
        String partitionKey = partitionKey(o, correlationId, p.parent());
        Headers transportHeaders = contentTypeHeaders;
        if (correlationId != null || partitionKey != null) {
            Map<String, Object> th = new LinkedHashMap<>(8);
            th.put(OutgoingMessage.CONTENT_TYPE, contentType);
            if (correlationId != null) {
                th.put(OutgoingMessage.CORRELATION_ID, correlationId.toString());
            }
            if (partitionKey != null && (correlationId == null || !partitionKey.equals(correlationId.toString()))) {
                th.put(OutgoingMessage.PARTITION_KEY, partitionKey);
            }
            transportHeaders = Headers.of(th);
            checkHeaderLimits(type, transportHeaders);
        }
        ReferenceMessage ref = p instanceof ReferenceMessage made && !made.encoded() ? made
                : new ReferenceMessage(this, p.destination(), p.message(), p.type(), o, p.parent(), p.source(),
                        p.requestId(), p.responseAddress(), p.reply());
        ref.encoded(type, now, headers, new OutgoingMessage(NO_BODY, transportHeaders, partitionKey,
                o.timeToLive() == null ? null : expiration(o, now.truncatedTo(java.time.temporal.ChronoUnit.MICROS)),
                null, null, ref));
        return ref;
    }

    Serializer serializer() {
        return spec.serializer();
    }

    /** The transport's publish address of {@code type}, asked once per type. */
    private URI publishAddress(MessageType type) {
        Optional<URI> cached = publishAddresses.get(type.urn());
        if (cached == null) {
            cached = Optional.ofNullable(spec.transport().publishAddress(type));
            publishAddresses.putIfAbsent(type.urn(), cached);
        }
        return cached.orElse(null);
    }

    private static String partitionKey(SendOptions o, UUID correlationId, Envelope parent) {
        return o.partitionKey() != null ? o.partitionKey()
                : correlationId != null ? correlationId.toString()
                : parent != null && parent.correlationId() != null ? parent.correlationId().toString() : null;
    }

    /** Refuses, before the transport is called, transport headers beyond what the transport carries. */
    private void checkHeaderLimits(MessageType type, Headers headers) {
        dev.omnibus.spi.TransportCapabilities caps = capabilities;
        if (headers.size() > caps.maxHeaders()) {
            throw new SerializationException("message " + type.urn() + " has " + headers.size()
                    + " transport headers, over the " + caps.maxHeaders() + " transport '" + caps.name() + "' carries");
        }
        if (caps.maxHeaderBytes() != Integer.MAX_VALUE) {
            long bytes = 0;
            for (java.util.Map.Entry<String, Object> e : headers.asMap().entrySet()) {
                bytes += e.getKey().length() + String.valueOf(e.getValue()).length();
            }
            if (bytes > caps.maxHeaderBytes()) {
                throw new SerializationException("message " + type.urn() + " has about " + bytes
                        + " bytes of transport headers, over the " + caps.maxHeaderBytes() + " transport '" + caps.name()
                        + "' carries");
            }
        }
    }

    /** A response's or fault's options: MassTransit copies the consumed correlationId onto those two. */
    static SendOptions replyOptions(SendOptions options, Envelope consumed) {
        return options.correlationId() == null && consumed != null && consumed.correlationId() != null
                ? options.withCorrelationId(consumed.correlationId()) : options;
    }

    /**
     * Headers that flow from a consumed message to what its consumer produces: all but {@code MT-*} and
     * those a broker acts on when they arrive with a publish ({@link #brokerReserved}): a message must not
     * steer where the bus sends the messages its consumer produces.
     */
    static Headers applicationHeaders(Headers headers) {
        if (headers.isEmpty()) {
            return headers;
        }
        boolean any = false;
        for (String n : headers.names()) {
            if (n.startsWith("MT-") || brokerReserved(n)) {
                any = true;
                break;
            }
        }
        if (!any) {
            return headers;
        }
        Map<String, Object> kept = new LinkedHashMap<>();
        headers.asMap().forEach((k, v) -> {
            if (!k.startsWith("MT-") && !brokerReserved(k)) {
                kept.put(k, v);
            }
        });
        return Headers.of(kept);
    }

    /**
     * Header names a broker acts on when a publish carries them, never copied from a consumed message:
     * RabbitMQ's sender-selected distribution ({@code CC}, {@code BCC}: copies routed to other queues),
     * the delayed-message plugin's {@code x-delay}, and the broker's own {@code x-death} bookkeeping.
     */
    static boolean brokerReserved(String name) {
        return name.equals("CC") || name.equals("BCC") || name.equalsIgnoreCase("x-delay") || name.equalsIgnoreCase("x-death")
                || name.startsWith("x-first-death-") || name.startsWith("x-last-death-");
    }
}
