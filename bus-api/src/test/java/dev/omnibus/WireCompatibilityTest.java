package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the bus writes and expects on the wire, held against MassTransit v8.5.8's source (issue 11).
 * Each test cites the MassTransit file it follows.
 */
class WireCompatibilityTest {
    record Ping(UUID id) {
    }

    record Pong(UUID id) {
    }

    /** A message interface, consumed by the endpoint; {@link OrderPlaced} is its one registered record. */
    interface OrderEvent {
        UUID orderId();
    }

    record OrderPlaced(UUID orderId, String customer) implements OrderEvent {
    }

    interface Shipment {
        UUID orderId();
    }

    record ShippedByAir(UUID orderId) implements Shipment {
    }

    record ShippedBySea(UUID orderId) implements Shipment {
    }

    private static final String JSON_ENVELOPE = "application/vnd.masstransit+json";

    /** Sends raw bytes to a queue on {@code broker}, as a foreign producer would. */
    private static void sendRaw(InMemoryBroker broker, String queue, String body, String contentType) throws Exception {
        try (InMemoryTransport t = InMemoryTransport.connect(broker)) {
            t.send(Address.queue(queue), new OutgoingMessage(body.getBytes(StandardCharsets.UTF_8),
                    Headers.of(OutgoingMessage.CONTENT_TYPE, contentType), null, null)).get(5, TimeUnit.SECONDS);
        }
    }

    /** Takes one message from {@code queue} on {@code broker} and acknowledges it. */
    private static Delivery take(InMemoryBroker broker, String queue) throws Exception {
        CompletableFuture<Delivery> got = new CompletableFuture<>();
        try (InMemoryTransport t = InMemoryTransport.connect(broker)) {
            ReceiveHandle h = t.receive(queue, new ReceiveSettings(1), new DeliveryHandler() {
                @Override
                public void onDelivery(Delivery delivery) {
                    delivery.ack();
                    got.complete(delivery);
                }
            });
            try {
                return got.get(5, TimeUnit.SECONDS);
            } finally {
                h.close();
            }
        }
    }

    // ------------------------------------------------------------------ 1. destinationAddress of a publish

    @Test
    void aPublishedMessageNamesItsTypesExchangeAsDestination() throws Exception {
        // MassTransit writes the publish topology's address (InMemoryMessagePublishTopology.TryGetPublishAddress:
        // new InMemoryEndpointAddress(host, EntityName)); the in-memory entity name is the message URN
        // (InMemoryBus.CreateMessageTopology uses MessageUrnEntityNameFormatter).
        CompletableFuture<Envelope> seen = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .receiveEndpoint("pings", e -> e.consumer(Ping.class, ctx -> seen.complete(ctx.envelope())))
                .start()) {
            bus.publish(new Ping(UUID.randomUUID())).get(5, TimeUnit.SECONDS);
            Envelope env = seen.get(5, TimeUnit.SECONDS);
            assertThat(env.destinationAddress())
                    .isEqualTo(URI.create("loopback://localhost/" + MessageTypeRegistry.urnOf(Ping.class)));
        }
    }

    // ------------------------------------------------------------------ 2. initiatorId

    @Test
    void initiatorIdIsTheConsumedCorrelationIdElseItsRequestId() throws Exception {
        // SendContextExtensions.TransferConsumeContextHeaders (src/MassTransit/SendContextExtensions.cs):
        // InitiatorId = consumeContext.CorrelationId, else consumeContext.RequestId; never the MessageId.
        UUID correlation = UUID.randomUUID();
        CompletableFuture<Envelope> followUp = new CompletableFuture<>();
        CompletableFuture<Envelope> response = new CompletableFuture<>();
        CompletableFuture<Envelope> request = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .observer(new dev.omnibus.spi.BusObserver() {
                    @Override
                    public void produced(Envelope envelope, Object message, Address destination) {
                        if (message instanceof Pong && envelope.requestId() != null) {
                            response.complete(envelope);
                        }
                    }
                })
                .receiveEndpoint("first", e -> e.consumer(Ping.class, ctx -> {
                    if (ctx.envelope().requestId() == null) {
                        ctx.publish(new Pong(ctx.message().id()));
                    } else {
                        request.complete(ctx.envelope());
                        ctx.respond(new Pong(ctx.message().id()));
                    }
                }))
                .receiveEndpoint("second", e -> e.consumer(Pong.class, ctx -> followUp.complete(ctx.envelope())))
                .start()) {
            bus.publish(new Ping(UUID.randomUUID()), SendOptions.defaults().withCorrelationId(correlation))
                    .get(5, TimeUnit.SECONDS);
            assertThat(followUp.get(5, TimeUnit.SECONDS).initiatorId()).isEqualTo(correlation);

            bus.request(Address.queue("first"), new Ping(UUID.randomUUID()), Pong.class, Duration.ofSeconds(5),
                    SendOptions.defaults()).get(5, TimeUnit.SECONDS);
            Envelope req = request.get(5, TimeUnit.SECONDS);
            assertThat(req.correlationId()).isNull();
            assertThat(response.get(5, TimeUnit.SECONDS).initiatorId()).isEqualTo(req.requestId());
        }
    }

    // ------------------------------------------------------------------ 7. an envelope without messageType

    @Test
    void anEnvelopeWithoutMessageTypeIsSkippedNotFaulted() throws Exception {
        // MassTransit reads a missing messageType as an empty list (JsonMessageEnvelope / EnvelopeMessageContext:
        // SupportedMessageTypes = envelope.MessageType ?? []), so no consumer matches and the message moves to
        // _skipped (DeadLetterTransportFilter), not to _error.
        InMemoryBroker broker = InMemoryBroker.create();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("typeless", e -> e.consumer(Ping.class, ctx -> { }))
                .start()) {
            sendRaw(broker, "typeless", "{\"messageId\":\"" + UUID.randomUUID() + "\",\"message\":{\"id\":\""
                    + UUID.randomUUID() + "\"}}", JSON_ENVELOPE);
            Waits.until("the typeless envelope in _skipped", Duration.ofSeconds(5),
                    () -> broker.depth("typeless_skipped") == 1, () -> "error=" + broker.depth("typeless_error"));
            assertThat(broker.depth("typeless_error")).isZero();
        }
    }

    // ------------------------------------------------------------------ 8. a type list naming only an interface

    @Test
    void aMessageNamingOnlyAConsumedInterfaceBindsToItsOneRegisteredRecord() throws Exception {
        // MassTransit binds a message whose messageType lists only an interface it consumes to that interface
        // (a proxy, MessageTypeCache / DynamicMessage in System.Text.Json's deserializer); Java has no proxy for a
        // record, so the one registered record implementing it stands in.
        InMemoryBroker broker = InMemoryBroker.create();
        CompletableFuture<OrderEvent> got = new CompletableFuture<>();
        UUID order = UUID.randomUUID();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .messageType(OrderPlaced.class)
                .receiveEndpoint("orders", e -> e.consumer(OrderEvent.class, ctx -> got.complete(ctx.message())))
                .start()) {
            sendRaw(broker, "orders", "{\"messageId\":\"" + UUID.randomUUID() + "\",\"messageType\":[\""
                    + MessageTypeRegistry.urnOf(OrderEvent.class) + "\"],\"message\":{\"orderId\":\"" + order
                    + "\",\"customer\":\"acme\"}}", JSON_ENVELOPE);
            assertThat(got.get(5, TimeUnit.SECONDS)).isEqualTo(new OrderPlaced(order, "acme"));
        }
    }

    @Test
    void anInterfaceWithSeveralRegisteredRecordsIsSkippedNamingTheCandidates() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        List<String> reasons = new CopyOnWriteArrayList<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .messageType(ShippedByAir.class)
                .messageType(ShippedBySea.class)
                .observer(new dev.omnibus.spi.BusObserver() {
                    @Override
                    public void deadLettered(String endpoint, Delivery.DeadLetterQueue queue, Envelope envelope,
                            Object message, String reason) {
                        reasons.add(reason);
                    }
                })
                .receiveEndpoint("shipments", e -> e.consumer(Shipment.class, ctx -> { }))
                .start()) {
            sendRaw(broker, "shipments", "{\"messageType\":[\"" + MessageTypeRegistry.urnOf(Shipment.class)
                    + "\"],\"message\":{\"orderId\":\"" + UUID.randomUUID() + "\"}}", JSON_ENVELOPE);
            Waits.until("the ambiguous message in _skipped", Duration.ofSeconds(5),
                    () -> broker.depth("shipments_skipped") == 1);
            assertThat(reasons).singleElement().asString()
                    .contains(MessageTypeRegistry.urnOf(ShippedByAir.class))
                    .contains(MessageTypeRegistry.urnOf(ShippedBySea.class));
        }
    }

    // ------------------------------------------------------------------ 10. fault headers

    static final class Outer extends RuntimeException {
        Outer(Throwable cause) {
            super("outer wrapper", cause);
        }
    }

    @Test
    void errorQueueHeadersDescribeTheBaseExceptionAsMassTransitWritesThem() throws Exception {
        // SendContextExtensions.SetExceptionHeaders: exception = GetBaseException(); MT-Fault-Timestamp with
        // ToString("O") (7 fraction digits); MT-Fault-RetryCount only when RetryCount > 0; SetHostHeaders
        // writes MT-Host-AssemblyVersion.
        InMemoryBroker broker = InMemoryBroker.create();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .includeStackTraces(true) // as MassTransit writes them
                .receiveEndpoint("failing", e -> e.consumer(Ping.class, ctx -> {
                    throw new Outer(new IllegalStateException("the root cause"));
                }))
                .start()) {
            bus.publish(new Ping(UUID.randomUUID())).get(5, TimeUnit.SECONDS);
            Waits.until("the message in _error", Duration.ofSeconds(5), () -> broker.depth("failing_error") == 1);
            Map<String, Object> h = take(broker, "failing_error").headers().asMap();
            assertThat(h.get("MT-Fault-ExceptionType")).isEqualTo(IllegalStateException.class.getName());
            assertThat(h.get("MT-Fault-Message")).isEqualTo("the root cause");
            assertThat((String) h.get("MT-Fault-StackTrace")).startsWith(IllegalStateException.class.getName());
            assertThat((String) h.get("MT-Fault-Timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{7}Z");
            assertThat(h).doesNotContainKey("MT-Fault-RetryCount");
            assertThat(h.get("MT-Host-AssemblyVersion")).isNotNull();
        }
    }

    @Test
    void noStackTraceLeavesTheProcessUnlessEnabled() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        java.util.concurrent.CompletableFuture<Fault<Ping>> fault = new java.util.concurrent.CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("failing-quietly", e -> e.consumer(Ping.class, ctx -> {
                    throw new Outer(new IllegalStateException("the root cause"));
                }))
                .receiveEndpoint("fault-watch", e -> e.faultConsumer(Ping.class, ctx -> fault.complete(ctx.message())))
                .start()) {
            bus.publish(new Ping(UUID.randomUUID())).get(5, TimeUnit.SECONDS);
            Waits.until("the message in _error", Duration.ofSeconds(5), () -> broker.depth("failing-quietly_error") == 1);
            Map<String, Object> h = take(broker, "failing-quietly_error").headers().asMap();
            assertThat(h).containsKeys("MT-Fault-ExceptionType", "MT-Fault-Message").doesNotContainKey("MT-Fault-StackTrace");
            Fault<Ping> f = fault.get(5, TimeUnit.SECONDS);
            assertThat(f.exceptions()).isNotEmpty().allSatisfy(x -> assertThat(x.stackTrace()).isNull());
            assertThat(f.exceptions().get(0).innerException().stackTrace()).isNull();
        }
    }

    @Test
    void retryCountIsWrittenWhenThereWereRetries() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("retrying", e -> e.retry(Retry.immediate(2)).consumer(Ping.class, ctx -> {
                    throw new IllegalStateException("always");
                }))
                .start()) {
            bus.publish(new Ping(UUID.randomUUID())).get(5, TimeUnit.SECONDS);
            Waits.until("the message in _error", Duration.ofSeconds(5), () -> broker.depth("retrying_error") == 1);
            assertThat(take(broker, "retrying_error").headers().get("MT-Fault-RetryCount")).isEqualTo(2);
        }
    }

    // ------------------------------------------------------------------ 6. ReceiveFault

    @Test
    void anUnreadableBodyPublishesAReceiveFaultAndStillGoesToError() throws Exception {
        // Middleware/GenerateFaultFilter.cs: a receive (deserialization) failure sends a ReceiveFault
        // (Contracts/ReceiveFault.cs: Fault plus ContentType) to the fault endpoint, published when the message
        // names no fault or response address; its message types are ReceiveFault and Fault.
        InMemoryBroker broker = InMemoryBroker.create();
        CompletableFuture<Envelope> faultEnvelope = new CompletableFuture<>();
        CompletableFuture<Object> faultMessage = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .observer(new dev.omnibus.spi.BusObserver() {
                    @Override
                    public void produced(Envelope envelope, Object message, Address destination) {
                        if (envelope.messageType().contains("urn:message:MassTransit:ReceiveFault")) {
                            faultEnvelope.complete(envelope);
                            faultMessage.complete(message);
                        }
                    }
                })
                .receiveEndpoint("unreadable", e -> e.consumer(Ping.class, ctx -> { }))
                .start()) {
            sendRaw(broker, "unreadable", "not json", JSON_ENVELOPE);
            Envelope env = faultEnvelope.get(5, TimeUnit.SECONDS);
            assertThat(env.messageType()).containsExactly("urn:message:MassTransit:ReceiveFault",
                    "urn:message:MassTransit:Fault");
            assertThat(env.destinationAddress().toString()).contains("ReceiveFault");
            Waits.until("the unreadable message in _error", Duration.ofSeconds(5),
                    () -> broker.depth("unreadable_error") == 1);
            assertThat(faultMessage.get()).hasFieldOrPropertyWithValue("contentType", JSON_ENVELOPE);
        }
    }

    @Test
    void aReceiveFaultGoesToTheFaultAddressAndIsConsumable() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        CompletableFuture<ReceiveFault> got = new CompletableFuture<>();
        UUID messageId = UUID.randomUUID();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("misfits", e -> e.consumer(Ping.class, ctx -> { }))
                .receiveEndpoint("fault-desk", e -> e.consumer(ReceiveFault.class, ctx -> got.complete(ctx.message())))
                .start()) {
            // a readable envelope whose body does not fit Ping (id is not a GUID): bound, not read, fails
            sendRaw(broker, "misfits", "{\"messageId\":\"" + messageId + "\",\"faultAddress\":\"loopback://localhost/fault-desk\","
                    + "\"messageType\":[\"" + MessageTypeRegistry.urnOf(Ping.class) + "\"],\"message\":{\"id\":\"nope\"}}",
                    JSON_ENVELOPE);
            ReceiveFault fault = got.get(5, TimeUnit.SECONDS);
            assertThat(fault.faultedMessageId()).isEqualTo(messageId);
            assertThat(fault.contentType()).isEqualTo(JSON_ENVELOPE);
            assertThat(fault.faultMessageTypes()).containsExactly(MessageTypeRegistry.urnOf(Ping.class));
            assertThat(fault.exceptions()).isNotEmpty();
            Waits.until("the misfit in _error", Duration.ofSeconds(5), () -> broker.depth("misfits_error") == 1);
        }
    }
}
