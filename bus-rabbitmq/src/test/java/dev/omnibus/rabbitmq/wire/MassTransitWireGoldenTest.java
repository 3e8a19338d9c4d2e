package dev.omnibus.rabbitmq.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.MessageUrn;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.rabbitmq.GoldenBroker;
import dev.omnibus.rabbitmq.RabbitMqTransport;
import dev.omnibus.testing.RunIds;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The wire reference suite: what Omnibus puts on a real RabbitMQ for publish, send, request,
 * respond, fault ({@code Fault<T>} and the {@code _error} copy), delayed redelivery and a scheduled
 * send, captured by a plain amqp-client consumer and compared field by field, header by header and
 * property by property with golden files written from MassTransit v8's source
 * ({@code src/test/resources/wire/golden/*.json}; each cites the files and lines it follows).
 *
 * <p>A golden value is never loosened to make a test pass: a failure lists every difference at
 * once, and each names a way Omnibus differs from what a .NET MassTransit service writes.
 */
class MassTransitWireGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(15);

    /** An enum, to see how it is written: MassTransit writes enums as numbers (NORMAL = 1). */
    enum Priority { LOW, NORMAL, HIGH }

    @MessageUrn("Acme.Golden:SubmitOrder")
    record SubmitOrder(UUID orderId, Instant timestamp, String customer, Priority priority) {
    }

    @MessageUrn("Acme.Golden:CheckStock")
    record CheckStock(String sku) {
    }

    @MessageUrn("Acme.Golden:StockStatus")
    record StockStatus(String sku, int available) {
    }

    private static final Instant TIMESTAMP = Instant.parse("2023-01-12T21:55:53.714Z");

    private final String run = RunIds.next();
    private Connection plain;
    private RabbitMqTransport transport;
    private final Map<String, String> vars = new HashMap<>();

    @BeforeEach
    void connect() throws Exception {
        plain = GoldenBroker.plainFactory().newConnection("golden-" + run);
        transport = GoldenBroker.transport();
        URI broker = URI.create(GoldenBroker.uri());
        vars.put("host", broker.getHost() + (broker.getPort() > 0 && broker.getPort() != 5672 ? ":" + broker.getPort() : ""));
    }

    @AfterEach
    void disconnect() throws Exception {
        plain.close();
    }

    private Bus bus(java.util.function.Consumer<dev.omnibus.BusBuilder> configure) {
        dev.omnibus.BusBuilder b = Bus.builder().transport(transport).name("golden-" + run)
                .includeStackTraces(true); // MassTransit writes them: the golden files have them
        configure.accept(b);
        Bus bus = b.start();
        vars.put("busAddress", transport.resolve(bus.address()).toString());
        return bus;
    }

    private static SubmitOrder order(UUID id) {
        return new SubmitOrder(id, TIMESTAMP, "ada", Priority.NORMAL);
    }

    private static void assertMatches(Golden golden, Captured captured, Map<String, Captured> refs) {
        List<String> diffs = golden.differences(captured, refs);
        assertThat(diffs)
                .as("differences from MassTransit's wire (golden %s.json); captured:%n%s", golden.name(), captured)
                .isEmpty();
    }

    @Test
    void publishMatchesMassTransit() throws Exception {
        UUID orderId = UUID.randomUUID();
        vars.put("orderId", orderId.toString());
        try (WireCapture capture = WireCapture.bindTo(plain, "Acme.Golden:SubmitOrder");
             Bus bus = bus(b -> { })) {
            bus.publish(order(orderId), SendOptions.defaults().withHeader("Application-Header", "SomeValue"))
                    .get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            Captured got = capture.next("the published SubmitOrder", c -> orderId.toString().equals(c.message().path("orderId").asText()), WAIT);
            assertMatches(Golden.load("publish", vars), got, Map.of());
        }
    }

    @Test
    void sendMatchesMassTransit() throws Exception {
        UUID orderId = UUID.randomUUID();
        UUID correlationId = UUID.randomUUID();
        String target = "golden-send-" + run;
        vars.putAll(Map.of("orderId", orderId.toString(), "correlationId", correlationId.toString(), "target", target));
        try (WireCapture capture = WireCapture.bindTo(plain, target);
             Bus bus = bus(b -> { })) {
            bus.send(Address.queue(target), order(orderId), SendOptions.defaults().withCorrelationId(correlationId)
                    .withHeader("Application-Header", "SomeValue")).get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            Captured got = capture.next("the sent SubmitOrder", c -> true, WAIT);
            assertMatches(Golden.load("send", vars), got, Map.of());
        }
    }

    @Test
    void requestMatchesMassTransit() throws Exception {
        String target = "golden-request-" + run;
        String sku = "sku-" + run;
        vars.putAll(Map.of("target", target, "sku", sku));
        try (WireCapture capture = WireCapture.bindTo(plain, target);
             Bus bus = bus(b -> { })) {
            // nobody answers: the request is only captured, and its future times out later, unobserved
            bus.request(Address.queue(target), new CheckStock(sku), StockStatus.class, Duration.ofSeconds(5),
                    SendOptions.defaults());
            Captured got = capture.next("the CheckStock request", c -> true, WAIT);
            assertMatches(Golden.load("request", vars), got, Map.of());
        }
    }

    @Test
    void respondToAMassTransitRequestMatchesMassTransit() throws Exception {
        String queue = "golden-responder-" + run;
        String replyExchange = "golden-client_bus_" + run;
        String sku = "sku-" + run;
        UUID requestId = UUID.randomUUID();
        UUID conversationId = UUID.randomUUID();
        String responseAddress = "rabbitmq://" + vars.get("host") + "/" + replyExchange + "?temporary=true";
        vars.putAll(Map.of("queue", queue, "replyExchange", replyExchange, "sku", sku, "requestId", requestId.toString(),
                "conversationId", conversationId.toString(), "responseAddress", responseAddress));
        try (Channel ch = plain.createChannel()) {
            // the .NET client's bus endpoint, declared as MassTransit declares it: temporary (not durable, auto-delete)
            ch.exchangeDeclare(replyExchange, "fanout", false, true, null);
            ch.queueDeclare(replyExchange, false, false, true, Map.of("x-expires", 60_000));
            ch.queueBind(replyExchange, replyExchange, "");
            try (WireCapture capture = WireCapture.bindToExisting(plain, replyExchange);
                 Bus bus = bus(b -> b.receiveEndpoint(queue, e -> e.consumer(CheckStock.class,
                         ctx -> ctx.respond(new StockStatus(ctx.message().sku(), 3)))))) {
                ObjectNode env = envelope(UUID.randomUUID(), conversationId, "urn:message:Acme.Golden:CheckStock",
                        JSON.createObjectNode().put("sku", sku), "rabbitmq://" + vars.get("host") + "/" + queue);
                env.put("requestId", requestId.toString());
                env.put("responseAddress", responseAddress);
                env.withObject("/headers").putArray("MT-Request-AcceptType").add("urn:message:Acme.Golden:StockStatus");
                publishRaw(ch, queue, env, null);
                Captured got = capture.next("the StockStatus response", c -> true, WAIT);
                assertMatches(Golden.load("respond", vars), got, Map.of());
            }
        }
    }

    @Test
    void faultAndErrorCopyMatchMassTransit() throws Exception {
        String queue = "golden-fault-" + run;
        UUID orderId = UUID.randomUUID();
        UUID messageId = UUID.randomUUID();
        UUID conversationId = UUID.randomUUID();
        vars.putAll(Map.of("queue", queue, "orderId", orderId.toString(), "messageId", messageId.toString(),
                "conversationId", conversationId.toString()));
        try (WireCapture faults = WireCapture.bindTo(plain, "MassTransit:Fault--Acme.Golden:SubmitOrder--");
             Bus bus = bus(b -> b.receiveEndpoint(queue, e -> e.consumer(SubmitOrder.class, ctx -> {
                 throw new IllegalStateException("consumer failed", new IllegalArgumentException("root cause"));
             })));
             WireCapture errors = WireCapture.bindToExisting(plain, queue + "_error");
             Channel ch = plain.createChannel()) {
            ObjectNode env = envelope(messageId, conversationId, "urn:message:Acme.Golden:SubmitOrder",
                    JSON.valueToTree(Map.of("orderId", orderId.toString(), "timestamp", "2023-01-12T21:55:53.714Z",
                            "customer", "ada", "priority", 1)), "rabbitmq://" + vars.get("host") + "/Acme.Golden:SubmitOrder");
            env.put("expirationTime", Instant.now().plus(Duration.ofMinutes(10)).toString());
            Captured sent = publishRaw(ch, "Acme.Golden:SubmitOrder", env, "600000");

            Captured fault = faults.next("the Fault<SubmitOrder>",
                    c -> messageId.toString().equals(c.message().path("faultedMessageId").asText()), WAIT);
            Captured copy = errors.next("the _error copy", c -> messageId.toString().equals(c.envelopeText("messageId")), WAIT);
            List<String> diffs = new java.util.ArrayList<>();
            Golden.load("fault", vars).differences(fault, Map.of()).forEach(d -> diffs.add("[Fault<T>] " + d));
            Golden.load("error-copy", vars).differences(copy, Map.of("sent", sent)).forEach(d -> diffs.add("[_error copy] " + d));
            assertThat(diffs).as("differences from MassTransit's wire (golden fault.json, error-copy.json); captured fault:%n%s%n"
                    + "captured _error copy:%n%s", fault, copy).isEmpty();
        }
    }

    @Test
    void delayedRedeliveryMatchesMassTransit() throws Exception {
        String queue = "golden-redeliver-" + run;
        UUID orderId = UUID.randomUUID();
        UUID messageId = UUID.randomUUID();
        UUID conversationId = UUID.randomUUID();
        vars.putAll(Map.of("queue", queue, "orderId", orderId.toString(), "messageId", messageId.toString(),
                "conversationId", conversationId.toString()));
        AtomicInteger attempts = new AtomicInteger();
        try (Bus bus = bus(b -> b.receiveEndpoint(queue, e -> e
                     .redelivery(Retry.intervals(Duration.ofMillis(300)))
                     .consumer(SubmitOrder.class, ctx -> {
                         if (attempts.incrementAndGet() == 1) {
                             throw new IllegalStateException("first attempt fails");
                         }
                     })));
             WireCapture capture = WireCapture.bindToExisting(plain, queue);
             Channel ch = plain.createChannel()) {
            ObjectNode env = envelope(messageId, conversationId, "urn:message:Acme.Golden:SubmitOrder",
                    JSON.valueToTree(Map.of("orderId", orderId.toString(), "timestamp", "2023-01-12T21:55:53.714Z",
                            "customer", "ada", "priority", 1)), "rabbitmq://" + vars.get("host") + "/" + queue);
            // straight into the queue (default exchange), so the capture on the endpoint's exchange sees only the copy
            publishRaw(ch, "", queue, env, null);
            Captured got = capture.next("the redelivered copy", c -> messageId.toString().equals(c.envelopeText("messageId")), WAIT);
            assertMatches(Golden.load("redelivery", vars), got, Map.of());
        }
    }

    @Test
    void scheduledSendMatchesMassTransit() throws Exception {
        UUID orderId = UUID.randomUUID();
        String target = "golden-scheduled-" + run;
        vars.putAll(Map.of("orderId", orderId.toString(), "target", target));
        try (WireCapture capture = WireCapture.bindTo(plain, target);
             Bus bus = bus(b -> { })) {
            bus.send(Address.queue(target), order(orderId), SendOptions.defaults().withDelay(Duration.ofMillis(300))
                    .withHeader("Application-Header", "SomeValue")).get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            Captured got = capture.next("the scheduled SubmitOrder", c -> true, WAIT);
            assertMatches(Golden.load("scheduled", vars), got, Map.of());
        }
    }

    /** MassTransit's envelope as a .NET service writes it (System.Text.Json: every field, nulls written). */
    private static ObjectNode envelope(UUID messageId, UUID conversationId, String urn, com.fasterxml.jackson.databind.JsonNode message,
            String destination) {
        ObjectNode env = JSON.createObjectNode();
        env.put("messageId", messageId.toString());
        env.putNull("requestId");
        env.putNull("correlationId");
        env.put("conversationId", conversationId.toString());
        env.putNull("initiatorId");
        env.put("sourceAddress", destination.substring(0, destination.lastIndexOf('/') + 1) + "golden-source");
        env.put("destinationAddress", destination);
        env.putNull("responseAddress");
        env.putNull("faultAddress");
        env.putArray("messageType").add(urn);
        env.set("message", message);
        env.putNull("expirationTime");
        env.put("sentTime", "2023-01-12T21:55:53.715882Z");
        env.putObject("headers").put("Application-Header", "SomeValue");
        ObjectNode host = env.putObject("host");
        host.put("machineName", "MyComputer").put("processName", "dotnet").put("processId", 427).put("assembly", "TestProject")
                .put("assemblyVersion", "2.11.1.93").put("frameworkVersion", "6.0.7").put("massTransitVersion", "8.0.10.0")
                .put("operatingSystemVersion", "Unix 12.6.2");
        return env;
    }

    private static Captured publishRaw(Channel ch, String exchange, ObjectNode env, String expiration) throws Exception {
        return publishRaw(ch, exchange, "", env, expiration);
    }

    /** Publishes as MassTransit's RabbitMqSendTransportContext does: content type, message id, persistent, headers copied. */
    private static Captured publishRaw(Channel ch, String exchange, String routingKey, ObjectNode env, String expiration)
            throws Exception {
        byte[] body = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(env);
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType("application/vnd.masstransit+json")
                .messageId(env.path("messageId").asText())
                .deliveryMode(2)
                .expiration(expiration)
                .headers(Map.of("Application-Header", "SomeValue"))
                .build();
        ch.confirmSelect();
        ch.basicPublish(exchange, routingKey, props, body);
        ch.waitForConfirmsOrDie(10_000);
        return Captured.of(new com.rabbitmq.client.Envelope(0, false, exchange, routingKey), props, body);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
