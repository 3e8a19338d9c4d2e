package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.Headers;
import dev.omnibus.MessageUrn;
import dev.omnibus.SendOptions;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.Await;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a .NET MassTransit v8 service writes or expects on RabbitMQ, checked against the real broker
 * with a plain amqp-client on the other side. Sources are MassTransit/MassTransit files under
 * {@code src/Transports/MassTransit.RabbitMqTransport/}.
 */
class MassTransitRabbitWireTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(20));

    @MessageUrn("Omnibus.WireTests:Ping")
    record Ping(String text) {
    }

    @MessageUrn("Omnibus.WireTests:Pong")
    record Pong(String text) {
    }

    private final String run = dev.omnibus.testing.RunIds.next();
    private Connection plain;
    private RabbitMqTransport transport;

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @BeforeEach
    void connect() throws Exception {
        plain = RabbitFixture.plainFactory().newConnection("rabbit-wire-test");
    }

    @AfterEach
    void disconnect() throws Exception {
        if (transport != null) {
            transport.close();
        }
        plain.close();
    }

    private RabbitMqTransport startTransport() {
        transport = RabbitFixture.transport();
        transport.start(new TransportContext(BusClock.system(), "rabbit-wire-" + run));
        return transport;
    }

    private static OutgoingMessage text(String body, Headers headers) {
        return new OutgoingMessage(body.getBytes(StandardCharsets.UTF_8),
                Headers.of(OutgoingMessage.CONTENT_TYPE, "text/plain").with(OutgoingMessage.MESSAGE_ID,
                        UUID.randomUUID().toString()).withAll(headers), null, null);
    }

    private static String text(Object amqpValue) {
        return amqpValue == null ? null : amqpValue.toString();
    }

    // ---- 1. application headers in the AMQP header table ------------------------------------

    /**
     * MassTransit copies every send-context header into the AMQP header table
     * ({@code RabbitMqTransport/RabbitMqSendTransportContext.cs}, {@code SetHeaders}): the headers an
     * application sets travel in the envelope's {@code headers} and in the table, where a plain
     * consumer, a headers exchange or the management UI sees them. {@code true} becomes
     * {@code bool.TrueString} ("True"), {@code false} is not written, numbers are written as they are
     * ({@code IFormattable} value types), lists are dropped (no case matches them).
     */
    @Test
    void applicationHeadersOfTheEnvelopeReachTheAmqpHeaderTable() throws Exception {
        String queue = "wire-hdr-" + run;
        try (Bus bus = Bus.builder().transport(RabbitFixture.transport()).name("wire-hdr-" + run).start();
             Channel ch = plain.createChannel()) {
            SendOptions options = SendOptions.defaults().withHeader("X-Tenant", "acme").withHeader("X-Flag", true)
                    .withHeader("X-Off", false).withHeader("X-Count", 7).withHeader("X-Tags", List.of("a", "b"));
            AWAIT.done("send", bus.send(Address.queue(queue), new Ping("headers"), options)).join();
            GetResponse r = ch.basicGet(queue, true);
            assertThat(r).isNotNull();
            Map<String, Object> table = r.getProps().getHeaders();
            assertThat(table).isNotNull();
            assertThat(text(table.get("X-Tenant"))).isEqualTo("acme");
            assertThat(text(table.get("X-Flag"))).isEqualTo("True");
            assertThat(table.get("X-Count")).isEqualTo(7);
            assertThat(table).doesNotContainKeys("X-Off", "X-Tags");
            // still in the envelope too, as MassTransit writes both
            JsonNode envelope = JSON.readTree(r.getBody());
            assertThat(envelope.path("headers").path("X-Tenant").asText()).isEqualTo("acme");
            ch.queueDelete(queue);
            ch.exchangeDelete(queue);
        }
    }

    /** The value conversions of {@code SetHeaders}, for typed values a bus hands over as transport headers. */
    @Test
    void transportHeadersAreConvertedAsMassTransitConvertsSendHeaders() throws Exception {
        startTransport();
        String queue = "wire-conv-" + run;
        UUID id = UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
        Instant at = Instant.parse("2024-05-06T07:08:09Z");
        Headers h = Headers.of(Map.of("X-Guid", id, "X-Time", at, "X-Uri", URI.create("rabbitmq://h/q"),
                "X-True", true, "X-False", false, "X-Long", 5L, "X-List", List.of(1, 2), "X-Map", Map.of("a", 1)));
        AWAIT.done("send", transport.send(Address.queue(queue), text("typed", h))).join();
        try (Channel ch = plain.createChannel()) {
            GetResponse r = ch.basicGet(queue, true);
            Map<String, Object> table = r.getProps().getHeaders();
            assertThat(text(table.get("X-Guid"))).isEqualTo("0f8fad5b-d9cb-469f-a165-70867728950e"); // Guid "D"
            assertThat(table.get("X-Time")).isEqualTo(Date.from(at)); // DateTime -> AmqpTimestamp
            assertThat(text(table.get("X-Uri"))).isEqualTo("rabbitmq://h/q");
            assertThat(text(table.get("X-True"))).isEqualTo("True");
            assertThat(table.get("X-Long")).isEqualTo(5L);
            assertThat(table).doesNotContainKeys("X-False", "X-List", "X-Map");
            ch.queueDelete(queue);
            ch.exchangeDelete(queue);
        }
    }

    // ---- 2. direct reply-to -----------------------------------------------------------------

    /**
     * A requester using RabbitMQ direct reply-to consumes {@code amq.rabbitmq.reply-to} (no-ack, on the
     * channel it publishes on) and sets AMQP {@code reply_to}; the broker hands the responder
     * {@code amq.rabbitmq.reply-to.<token>}. MassTransit answers through the default exchange with that
     * routing key ({@code RabbitMqSendTransportContext.cs}: the {@code amq.rabbitmq.reply-to} exchange
     * becomes {@code ""}; {@code ReplyToSendEndpoint.cs} sets the routing key from {@code reply_to}). The
     * transport exposes {@code reply_to} as {@code MT-Response-Address} and sends there without declaring.
     */
    @Test
    void aDirectReplyToAddressIsExposedAndAnsweredThroughTheDefaultExchange() throws Exception {
        startTransport();
        String queue = "wire-rt-" + run;
        transport.declareEndpoint(new EndpointTopology(queue, List.of(), false));
        AtomicReference<Delivery> got = new AtomicReference<>();
        ReceiveHandle handle = transport.receive(queue, new ReceiveSettings(4), got::set);
        Channel ch = plain.createChannel();
        try {
            LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();
            ch.basicConsume(RabbitMqAddress.REPLY_TO, true, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) {
                    replies.add(new String(body, StandardCharsets.UTF_8));
                }
            });
            ch.basicPublish(queue, "", new AMQP.BasicProperties.Builder().contentType("text/plain")
                    .replyTo(RabbitMqAddress.REPLY_TO).build(), "request".getBytes(StandardCharsets.UTF_8));
            Delivery d = AWAIT.until("the request", got::get, x -> x != null);
            String address = d.headers().getString("MT-Response-Address").orElse(null);
            assertThat(address).as("reply_to exposed as MT-Response-Address").isNotNull()
                    .startsWith(transport.resolve(Address.queue("x")).toString().replace("/x", "/amq.rabbitmq.reply-to."));
            d.ack();
            AWAIT.done("the response is sent", transport.send(new Address(URI.create(address)), text("response", Headers.empty())))
                    .join();
            assertThat(replies.poll(10, TimeUnit.SECONDS)).isEqualTo("response");
        } finally {
            handle.close();
            ch.close();
            try (Channel c = plain.createChannel()) {
                c.queueDelete(queue);
                c.exchangeDelete(queue);
                c.queueDelete(queue + "_error");
                c.exchangeDelete(queue + "_error");
                c.queueDelete(queue + "_skipped");
                c.exchangeDelete(queue + "_skipped");
            }
        }
    }

    /**
     * End to end through the bus with a raw JSON request (no envelope: the address travels as
     * headers, {@code RawMessageSerializer.cs}), as a non-MassTransit requester writes it: no
     * {@code MT-Response-Address}, only AMQP {@code reply_to}. The Omnibus responder's answer reaches
     * the requester's direct reply-to consumer.
     */
    @Test
    void aRawJsonRequestWithOnlyAmqpReplyToIsAnsweredThroughDirectReplyTo() throws Exception {
        String queue = "wire-rtbus-" + run;
        UUID requestId = UUID.randomUUID();
        try (Bus bus = Bus.builder().transport(RabbitFixture.transport()).name("wire-rtbus-" + run)
                .receiveEndpoint(queue, e -> e.consumer(Ping.class, ctx -> ctx.respond(new Pong("re: " + ctx.message().text()))))
                .start()) {
            Channel ch = plain.createChannel();
            try {
                LinkedBlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
                ch.basicConsume(RabbitMqAddress.REPLY_TO, true, new DefaultConsumer(ch) {
                    @Override
                    public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) {
                        replies.add(body);
                    }
                });
                Map<String, Object> headers = new HashMap<>();
                headers.put("MT-MessageType", "urn:message:Omnibus.WireTests:Ping");
                headers.put("RequestId", requestId.toString());
                ch.basicPublish(queue, "", new AMQP.BasicProperties.Builder().contentType("application/json")
                        .messageId(UUID.randomUUID().toString()).replyTo(RabbitMqAddress.REPLY_TO).headers(headers).build(),
                        "{\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8));
                byte[] reply = replies.poll(15, TimeUnit.SECONDS);
                assertThat(reply).as("the response through direct reply-to").isNotNull();
                JsonNode envelope = JSON.readTree(reply);
                assertThat(envelope.path("requestId").asText()).isEqualTo(requestId.toString());
                assertThat(envelope.path("message").path("text").asText()).isEqualTo("re: hi");
            } finally {
                ch.close();
            }
        }
    }

    /**
     * A MassTransit requester using direct reply-to ({@code SetRabbitMqReplyToRequestClientFactory})
     * writes the bare {@code …/amq.rabbitmq.reply-to} as the envelope's {@code responseAddress}; the
     * token the broker needs is only in AMQP {@code reply_to}. The responder must answer there.
     */
    @Test
    void anEnvelopeRequestWithTheBareDirectReplyToAddressIsAnswered() throws Exception {
        String queue = "wire-rtenv-" + run;
        UUID requestId = UUID.randomUUID();
        try (Bus bus = Bus.builder().transport(RabbitFixture.transport()).name("wire-rtenv-" + run)
                .receiveEndpoint(queue, e -> e.consumer(Ping.class, ctx -> ctx.respond(new Pong("re: " + ctx.message().text()))))
                .start()) {
            Channel ch = plain.createChannel();
            try {
                LinkedBlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
                ch.basicConsume(RabbitMqAddress.REPLY_TO, true, new DefaultConsumer(ch) {
                    @Override
                    public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) {
                        replies.add(body);
                    }
                });
                String envelope = "{\"messageId\":\"" + UUID.randomUUID() + "\",\"requestId\":\"" + requestId
                        + "\",\"responseAddress\":\"rabbitmq://127.0.0.1/" + RabbitMqAddress.REPLY_TO
                        + "\",\"messageType\":[\"urn:message:Omnibus.WireTests:Ping\"],\"message\":{\"text\":\"hi\"}}";
                ch.basicPublish(queue, "", new AMQP.BasicProperties.Builder()
                        .contentType("application/vnd.masstransit+json").messageId(UUID.randomUUID().toString())
                        .replyTo(RabbitMqAddress.REPLY_TO).build(), envelope.getBytes(StandardCharsets.UTF_8));
                byte[] reply = replies.poll(15, TimeUnit.SECONDS);
                assertThat(reply).as("the response through direct reply-to").isNotNull();
                JsonNode answer = JSON.readTree(reply);
                assertThat(answer.path("requestId").asText()).isEqualTo(requestId.toString());
                assertThat(answer.path("message").path("text").asText()).isEqualTo("re: hi");
            } finally {
                ch.close();
            }
        }
    }

    // ---- 4. queue arguments ----------------------------------------------------------------

    /**
     * MassTransit declares a receive endpoint's queue with only the arguments configured
     * ({@code RabbitMqTransport/Configuration/RabbitMqReceiveEndpointBuilder.cs}, {@code QueueArguments});
     * RabbitMQ 3.10 treats a classic queue declared with and without {@code x-queue-type: classic} as
     * equivalent, so the argument is only visible in the queue's listing.
     */
    @Test
    void anEndpointQueueHasNoArgumentsUnlessConfiguredAndQuorumStillWorks() throws Exception {
        RabbitCtl.requireLocalControl();
        String plainQueue = "wire-args-" + run;
        String quorumQueue = "wire-argsq-" + run;
        transport = RabbitFixture.builder().queue(quorumQueue, QueueOptions.quorum()).build();
        transport.start(new TransportContext(BusClock.system(), "rabbit-wire-" + run));
        transport.declareEndpoint(new EndpointTopology(plainQueue, List.of(), false));
        transport.declareEndpoint(new EndpointTopology(quorumQueue, List.of(), false));
        try {
            String listing = RabbitCtl.run(Duration.ofSeconds(30), "-q", "list_queues", "name", "arguments").output();
            assertThat(line(listing, plainQueue)).isEqualTo(plainQueue + "\t[]");
            assertThat(line(listing, plainQueue + "_error")).isEqualTo(plainQueue + "_error\t[]");
            assertThat(line(listing, quorumQueue)).contains("x-queue-type").contains("quorum");
            assertThat(line(listing, quorumQueue + "_error")).contains("quorum");
        } finally {
            try (Channel c = plain.createChannel()) {
                for (String q : List.of(plainQueue, quorumQueue)) {
                    for (String n : List.of(q, q + "_error", q + "_skipped")) {
                        c.queueDelete(n);
                        c.exchangeDelete(n);
                    }
                }
            }
        }
    }

    private static String line(String listing, String queue) {
        return listing.lines().filter(l -> l.startsWith(queue + "\t")).findFirst().orElse("(no line for " + queue + ")");
    }

    // ---- 5. responding into the other side's topology -------------------------------------------

    /**
     * MassTransit's bus endpoint is a temporary queue and exchange {@code Machine_Process_bus_xxx},
     * non-durable and auto-delete with {@code x-expires} (shared/reference masstransit-wire.md §3), and
     * its response address says so: {@code rabbitmq://host/Machine_Process_bus_xxx?temporary=true}. An
     * Omnibus responder answers into it and leaves its topology as its owner declared it.
     */
    @Test
    void aResponseToAMassTransitTemporaryEndpointUsesTheOwnersTopologyAsItIs() throws Exception {
        String queue = "wire-resp-" + run;
        String busQueue = "Machine_Process_bus_" + run.replace("-", "");
        try (Bus bus = Bus.builder().transport(RabbitFixture.transport()).name("wire-resp-" + run)
                .receiveEndpoint(queue, e -> e.consumer(Ping.class, ctx -> ctx.respond(new Pong("re: " + ctx.message().text()))))
                .start();
             Channel ch = plain.createChannel()) {
            declareLikeMassTransit(ch, busQueue);
            UUID requestId = UUID.randomUUID();
            ch.basicPublish(queue, "", new AMQP.BasicProperties.Builder().contentType("application/vnd.masstransit+json")
                    .deliveryMode(2).build(), requestEnvelope(requestId, "rabbitmq://127.0.0.1/" + busQueue + "?temporary=true")
                    .getBytes(StandardCharsets.UTF_8));
            GetResponse r = AWAIT.until("the response in the requester's queue", () -> basicGet(ch, busQueue), x -> x != null);
            assertThat(JSON.readTree(r.getBody()).path("requestId").asText()).isEqualTo(requestId.toString());
            // the owner declares its topology again, as MassTransit does on reconnect: nothing conflicts
            declareLikeMassTransit(ch, busQueue);
            ch.queueDelete(busQueue);
            ch.exchangeDelete(busQueue);
        }
    }

    /**
     * An address that does not exist yet is declared as the address says
     * ({@code RabbitMqEndpointAddress.cs}: {@code durable=false}, {@code autodelete=true},
     * {@code bind=true}), so its owner declaring it later with the same flags does not fail with
     * PRECONDITION_FAILED (406) on a durable exchange or queue someone else created.
     */
    @Test
    void aSendToAnAddressThatDoesNotExistYetDeclaresWhatTheAddressSays() throws Exception {
        startTransport();
        String name = "wire-mt5-" + run;
        URI uri = URI.create("rabbitmq://127.0.0.1/" + name + "?durable=false&autodelete=true&bind=true");
        AWAIT.done("send", transport.send(new Address(uri), text("early", Headers.empty()))).join();
        try (Channel ch = plain.createChannel()) {
            // the owner declares its temporary endpoint as MassTransit does: the same flags (and x-expires)
            declareLikeMassTransit(ch, name);
            GetResponse r = ch.basicGet(name, true);
            assertThat(r).isNotNull();
            assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo("early");
            ch.queueDelete(name);
            ch.exchangeDelete(name);
        }
    }

    /**
     * A full address without {@code bind=true} names an exchange only ({@code BindToQueue} is false
     * unless asked for, {@code RabbitMqEndpointAddress.cs}): sending to it must not bind a queue of
     * the same name that someone else owns. Nothing routes, so the send fails as unroutable.
     */
    @Test
    void aSendToAFullAddressBindsNoQueueOfTheOtherSide() throws Exception {
        startTransport();
        String name = "wire-nobind-" + run;
        try (Channel ch = plain.createChannel()) {
            ch.queueDeclare(name, false, false, true, null); // someone's plain queue, no exchange
            var f = transport.send(new Address(URI.create("rabbitmq://127.0.0.1/" + name)), text("stray", Headers.empty()));
            AWAIT.done("the send ends", f);
            assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(TransportException.class).hasMessageContaining("unroutable");
            assertThat(ch.basicGet(name, true)).as("nothing was bound to the other side's queue").isNull();
            ch.queueDelete(name);
            ch.exchangeDelete(name);
        }
    }

    private static GetResponse basicGet(Channel ch, String queue) {
        try {
            return ch.basicGet(queue, true);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** MassTransit's temporary bus endpoint: non-durable, auto-delete exchange and queue, x-expires 60 s, bound. */
    private static void declareLikeMassTransit(Channel ch, String name) throws java.io.IOException {
        ch.exchangeDeclare(name, "fanout", false, true, null);
        ch.queueDeclare(name, false, false, true, Map.of("x-expires", 60_000));
        ch.queueBind(name, name, "");
    }

    private static String requestEnvelope(UUID requestId, String responseAddress) {
        return """
                {
                  "messageId": "%s",
                  "requestId": "%s",
                  "conversationId": "%s",
                  "sourceAddress": "%s",
                  "responseAddress": "%s",
                  "messageType": ["urn:message:Omnibus.WireTests:Ping"],
                  "message": {"text": "hi"},
                  "sentTime": "2024-01-01T00:00:00Z",
                  "headers": {"MT-Request-AcceptType": ["urn:message:Omnibus.WireTests:Pong"]}
                }
                """.formatted(UUID.randomUUID(), requestId, UUID.randomUUID(), responseAddress, responseAddress);
    }
}
