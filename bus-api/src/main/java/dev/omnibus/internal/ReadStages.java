package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.Envelope;
import dev.omnibus.ExceptionInfo;
import dev.omnibus.HostInfo;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.ReceiveFault;
import dev.omnibus.SendOptions;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.Delivery.DeadLetterQueue;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Serializer;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The stages that read a delivery before any consumer sees it: size limit, decoding, expiry, type
 * resolution, binding. Each ends a delivery it cannot pass on by throwing {@link ReceiveStage.DeadLetter}
 * (to {@code _error} with the reason, or to {@code _skipped}), or, for an expired message, by
 * returning without calling the rest (the settlement stage acknowledges it).
 */
final class ReadStages {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiveEndpointRuntime.class);

    private ReadStages() {
    }

    /**
     * A body the endpoint cannot read: a {@link ReceiveFault} is published (to the fault address, else the
     * response address, else to subscribers, as MassTransit's {@code GenerateFaultFilter} does), then the
     * delivery goes to {@code _error} with the reason in MassTransit's fault headers. A failed publish is
     * logged and does not stop the move.
     */
    static ReceiveStage.DeadLetter badInput(ReceiveContext r, SerializationException e) {
        ReceiveEndpointRuntime ep = r.endpoint;
        LOG.warn("Endpoint {}: message {} cannot be consumed ({}); moving it to {}_error", ep.name(), r.logId(),
                InputLimits.forLog(e.getMessage()), ep.name());
        publishReceiveFault(r, e);
        return new ReceiveStage.DeadLetter(DeadLetterQueue.ERROR,
                FaultHeaders.fault(e, ep.address(), null, null, 0, ep.clock().now(), ep.busSpec().includeStackTraces()),
                e.getMessage(), e);
    }

    private static void publishReceiveFault(ReceiveContext r, SerializationException e) {
        ReceiveEndpointRuntime ep = r.endpoint;
        Envelope env = r.envelope();
        List<String> types = env == null ? List.of() : env.messageType();
        for (String urn : types) {
            if (urn.startsWith(MessageTypeRegistry.FAULT_URN) || urn.equals(MessageTypeRegistry.RECEIVE_FAULT_URN)) {
                return; // an unreadable fault raises no fault of its own: no loop between fault watchers
            }
        }
        try {
            BusSpec spec = ep.busSpec();
            Object id = r.logId();
            UUID faultedId = id instanceof UUID u ? u : parseId(id);
            Object contentType = r.delivery.headers().get(OutgoingMessage.CONTENT_TYPE);
            ReceiveFault fault = new ReceiveFault(Uuid7.next(), faultedId, FaultHeaders.wireTime(spec.clock().now()),
                    List.of(ExceptionInfo.of(e, spec.includeStackTraces())), HostInfo.current(), types,
                    contentType == null ? null : contentType.toString());
            URI to = env == null ? null : env.faultAddress() != null ? env.faultAddress() : env.responseAddress();
            CompletableFuture<Void> f = ep.producer().produce(new MessageProducer.Production(
                    to == null ? null : new Address(to), fault, spec.registry().typeOf(ReceiveFault.class),
                    MessageProducer.replyOptions(SendOptions.defaults(), env), env, ep.address(),
                    env == null ? null : env.requestId(), null, to != null)); // an address from the message: Transport.reply
            f.get(SettleStages.PRODUCE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } catch (Exception | LinkageError fe) {
            LOG.error("Endpoint {}: could not publish the ReceiveFault of message {}; it still moves to {}_error",
                    ep.name(), r.logId(), ep.name(), fe);
        }
    }

    private static UUID parseId(Object id) {
        if (id == null) {
            return null;
        }
        try {
            return UUID.fromString(id.toString().trim());
        } catch (IllegalArgumentException notAnId) {
            return null;
        }
    }

    /**
     * The envelope with the response address the transport learned from the broker
     * ({@link dev.omnibus.spi.OutgoingMessage#RESPONSE_ADDRESS}) when the envelope names none, or
     * names the broker's placeholder that the transport's address refines (RabbitMQ direct reply-to:
     * MassTransit writes {@code …/amq.rabbitmq.reply-to}, the token is only in AMQP {@code reply_to}).
     */
    static Envelope withTransportResponseAddress(Envelope envelope, dev.omnibus.spi.Delivery d) {
        Object header = d.headers().get(dev.omnibus.spi.OutgoingMessage.RESPONSE_ADDRESS);
        if (header == null || d.reference() != null) {
            return envelope;
        }
        java.net.URI own = envelope.responseAddress();
        String transport = header.toString();
        if (own != null && !transport.startsWith(own.toString() + ".")) {
            return envelope;
        }
        try {
            return envelope.withResponseAddress(java.net.URI.create(transport));
        } catch (IllegalArgumentException e) {
            return envelope;
        }
    }

    /** Bodies over {@code BusBuilder.maxMessageSize} go to {@code _error} unread. */
    static final class SizeLimit implements ReceiveStage {
        private final int max;

        SizeLimit(int max) {
            this.max = max;
        }

        @Override
        public String name() {
            return "size-limit";
        }

        @Override
        public void handle(ReceiveContext r, Link next) throws Exception {
            if (r.delivery.reference() != null) { // passed by reference: no bytes to measure (nor to write)
                next.proceed(r);
                return;
            }
            int size = r.delivery.body().length;
            if (size > max) {
                throw badInput(r, new SerializationException("body is " + size + " bytes, over the limit of " + max
                        + " bytes (BusBuilder.maxMessageSize)"));
            }
            next.proceed(r);
        }
    }

    /**
     * Reads the envelope with the serializer of the delivery's content type (else the endpoint's
     * default, else the bus's), or takes the message an in-process transport passed by reference.
     */
    static final class Decode implements ReceiveStage {
        @Override
        public String name() {
            return "decode";
        }

        @Override
        public void handle(ReceiveContext r, Link next) throws Exception {
            DecodedMessage decoded = r.delivery.reference();
            if (decoded == null) {
                Serializer serializer = r.endpoint.bus().deserializerFor(r.delivery.headers(), r.endpoint.defaultContentType());
                r.serializer = serializer;
                try {
                    decoded = serializer.deserialize(r.delivery.body(), r.delivery.headers());
                } catch (SerializationException e) {
                    throw badInput(r, e);
                } catch (RuntimeException e) {
                    throw badInput(r, new SerializationException("body could not be read by " + serializer.contentType()
                            + ": " + e, e));
                }
            }
            r.decoded = decoded;
            if (!(decoded instanceof ReferenceMessage)) { // by reference, the envelope is made when asked for
                r.envelope(withTransportResponseAddress(decoded.envelope(), r.delivery));
            }
            if (ConsumeStages.LogContext.MDC_BOUND) {
                Object id = r.logId();
                if (id != null) {
                    MDC.put("messageId", id.toString());
                }
                if (r.correlationId() != null) {
                    MDC.put("correlationId", r.correlationId().toString());
                }
            }
            next.proceed(r);
        }
    }

    /**
     * A message whose {@code expirationTime} has passed is not consumed: it is acknowledged, logged at
     * INFO, counted per endpoint and reported to {@code BusObserver.expired}.
     */
    static final class Expiry implements ReceiveStage {
        @Override
        public String name() {
            return "expiry";
        }

        @Override
        public void handle(ReceiveContext r, Link next) throws Exception {
            java.time.Instant expires = r.expirationTime();
            if (expires != null && expires.isBefore(r.endpoint.clock().now())) {
                r.endpoint.expired(r.envelope());
                return;
            }
            next.proceed(r);
        }
    }

    /** Resolves the message type from the registry and finds the endpoint's consumers of it. */
    static final class ResolveType implements ReceiveStage {
        @Override
        public String name() {
            return "resolve-type";
        }

        @Override
        public void handle(ReceiveContext r, Link next) throws Exception {
            ReceiveEndpointRuntime ep = r.endpoint;
            List<String> urns = r.messageTypes();
            MessageType type;
            if (urns.isEmpty()) {
                if (isEnvelope(r)) {
                    // MassTransit reads a missing type list as empty: no consumer matches, the message is skipped
                    throw skip(r, "the envelope lists no messageType, so no consumer of endpoint '" + ep.name()
                            + "' matches it");
                }
                MessageType single = ep.singleConcreteType();
                if (single == null) {
                    throw badInput(r, new SerializationException("message has no messageType, and endpoint '"
                            + ep.name() + "' cannot tell which type it is"));
                }
                type = single;
            } else {
                type = ep.resolve(urns);
                if (type == null) {
                    type = ep.resolveInterface(urns);
                }
                if (type == null) {
                    throw skip(r, ep.unresolvedReason(urns));
                }
            }
            List<ConsumerBinding> consumers = ep.consumersOf(type);
            if (consumers.isEmpty()) {
                throw skip(r, "endpoint '" + ep.name() + "' has no consumer for " + type.urn());
            }
            r.type = type;
            r.consumers = consumers;
            next.proceed(r);
        }

        /**
         * Whether the delivery came in an envelope format (MassTransit's JSON envelope, the CBOR envelope, or
         * the bus's own format), where the type list is part of the message; raw JSON carries it in a header.
         */
        private static boolean isEnvelope(ReceiveContext r) {
            if (r.serializer == null) {
                return true; // passed by reference: an envelope the bus made itself
            }
            String ct = r.serializer.contentType();
            if (ct.equals(dev.omnibus.json.RawJsonSerializer.CONTENT_TYPE)) {
                return false;
            }
            return ct.equals(dev.omnibus.json.JsonEnvelopeSerializer.CONTENT_TYPE)
                    || ct.equals(dev.omnibus.json.CborEnvelopeSerializer.CONTENT_TYPE)
                    || ct.equals(r.endpoint.bus().envelopeContentType());
        }

        private static ReceiveStage.DeadLetter skip(ReceiveContext r, String reason) {
            LOG.warn("Endpoint {}: message {} skipped ({}); moving it to {}_skipped", r.endpoint.name(), r.logId(),
                    InputLimits.forLog(reason), r.endpoint.name());
            return new ReceiveStage.DeadLetter(DeadLetterQueue.SKIPPED, FaultHeaders.skipped(reason), reason, null);
        }
    }

    /** Binds the body to the resolved type and makes the consume context. */
    static final class Bind implements ReceiveStage {
        @Override
        public String name() {
            return "bind";
        }

        @Override
        public void handle(ReceiveContext r, Link next) throws Exception {
            Object message;
            try {
                message = r.decoded.message(r.type.javaType());
            } catch (SerializationException e) {
                throw badInput(r, e);
            }
            r.bind(message, FaultHeaders.redeliveryCount(r.delivery, r.envelopeHeaders()));
            r.current = r;
            next.proceed(r);
        }
    }
}
