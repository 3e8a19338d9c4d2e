package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.omnibus.Bus;
import dev.omnibus.ConsumeContext;
import dev.omnibus.MessageUrn;
import dev.omnibus.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Omnibus and a service that is not Omnibus share the broker: a plain amqp-client publisher writes
 * MassTransit's JSON envelope (the shape of MassTransit's own sample, shared/reference
 * masstransit-samples sample-1) to the message type's exchange, and an Omnibus consumer gets it;
 * an Omnibus publish is read by a plain amqp-client consumer that parses the envelope with
 * Jackson's tree model, without Omnibus.
 */
class MassTransitInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(20));

    @MessageUrn("Company.Project:SubmitOrder")
    record SubmitOrder(UUID orderId, Instant timestamp) {
    }

    @MessageUrn("Company.Project:OrderEvent")
    interface OrderEvent {
        UUID orderId();
    }

    @MessageUrn("Company.Project:OrderShipped")
    record OrderShipped(UUID orderId, String carrier) implements OrderEvent {
    }

    private final String run = dev.omnibus.testing.RunIds.next();
    private Connection plain;

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @BeforeEach
    void connect() throws Exception {
        plain = RabbitFixture.plainFactory().newConnection("interop-test");
    }

    @AfterEach
    void disconnect() throws Exception {
        plain.close();
    }

    @Test
    void envelopeWrittenByAPlainClientToTheTypeExchangeIsConsumed() throws Exception {
        String queue = "interop-in-" + run;
        UUID messageId = UUID.randomUUID();
        UUID orderId = UUID.randomUUID();
        AtomicReference<ConsumeContext<?>> seen = new AtomicReference<>();
        try (Bus bus = Bus.builder().transport(RabbitFixture.transport()).name("interop-" + run)
                .receiveEndpoint(queue, e -> e.consumer(SubmitOrder.class, ctx -> {
                    if (ctx.message().orderId().equals(orderId)) {
                        seen.set(ctx);
                    }
                }))
                .start()) {
            String envelope = """
                    {
                        "messageId": "%s",
                        "requestId": null,
                        "correlationId": null,
                        "conversationId": "%s",
                        "initiatorId": null,
                        "sourceAddress": "rabbitmq://localhost/source",
                        "destinationAddress": "rabbitmq://localhost/Company.Project:SubmitOrder",
                        "messageType": [
                            "urn:message:Company.Project:SubmitOrder"
                        ],
                        "message": {
                            "orderId": "%s",
                            "timestamp": "2023-01-12T21:55:53.714Z"
                        },
                        "expirationTime": null,
                        "sentTime": "2023-01-12T21:55:53.715882Z",
                        "headers": {
                            "Application-Header": "SomeValue"
                        },
                        "host": {
                            "machineName": "MyComputer",
                            "processName": "dotnet",
                            "processId": 427,
                            "assembly": "TestProject",
                            "assemblyVersion": "2.11.1.93",
                            "frameworkVersion": "6.0.7",
                            "massTransitVersion": "8.0.10.0",
                            "operatingSystemVersion": "Unix 12.6.2"
                        }
                    }
                    """.formatted(messageId, UUID.randomUUID(), orderId);
            try (Channel ch = plain.createChannel()) {
                ch.confirmSelect();
                AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                        .contentType("application/vnd.masstransit+json")
                        .messageId(messageId.toString())
                        .deliveryMode(2)
                        .headers(Map.of("MT-Host-MachineName", "MyComputer"))
                        .build();
                // MassTransit publishes to the exchange named after the type, routing key ""
                ch.basicPublish("Company.Project:SubmitOrder", "", props, envelope.getBytes(StandardCharsets.UTF_8));
                ch.waitForConfirmsOrDie(10_000);
            }

            ConsumeContext<?> ctx = AWAIT.until("the Omnibus consumer gets the MassTransit envelope", seen::get, c -> c != null);
            assertThat(ctx.message()).isEqualTo(new SubmitOrder(orderId, Instant.parse("2023-01-12T21:55:53.714Z")));
            assertThat(ctx.messageId()).isEqualTo(messageId);
            assertThat(ctx.envelope().headers().getString("Application-Header")).contains("SomeValue");
            assertThat(ctx.envelope().host().massTransitVersion()).isEqualTo("8.0.10.0");
        }
    }

    @Test
    void omnibusPublishIsReadableByAPlainClientOnTheTypeAndInterfaceExchanges() throws Exception {
        UUID orderId = UUID.randomUUID();
        try (Channel ch = plain.createChannel();
             Bus bus = Bus.builder().transport(RabbitFixture.transport()).name("interop-" + run).start()) {
            // a plain service's own queues, bound the way MassTransit binds an endpoint's consumed types
            for (String exchange : new String[] {"Company.Project:OrderShipped", "Company.Project:OrderEvent"}) {
                ch.exchangeDeclare(exchange, "fanout", true);
            }
            String byType = ch.queueDeclare("", false, true, true, null).getQueue();
            String byInterface = ch.queueDeclare("", false, true, true, null).getQueue();
            ch.queueBind(byType, "Company.Project:OrderShipped", "");
            ch.queueBind(byInterface, "Company.Project:OrderEvent", "");

            AWAIT.done("the publish is confirmed", bus.publish(new OrderShipped(orderId, "ups"))).join();

            for (String queue : new String[] {byType, byInterface}) {
                GetResponse got = AWAIT.until("the plain client gets the message from " + queue, () -> get(ch, queue),
                        r -> r != null);
                JsonNode envelope = JSON.readTree(got.getBody());
                assertThat(got.getProps().getContentType()).isEqualTo("application/vnd.masstransit+json");
                assertThat(got.getProps().getDeliveryMode()).as("delivery_mode (persistent)").isEqualTo(2);
                assertThat(got.getProps().getMessageId()).isEqualTo(envelope.path("messageId").asText());
                assertThat(UUID.fromString(envelope.path("messageId").asText())).isNotNull();
                assertThat(envelope.path("messageType").get(0).asText()).isEqualTo("urn:message:Company.Project:OrderShipped");
                assertThat(envelope.path("messageType").toString()).contains("urn:message:Company.Project:OrderEvent");
                assertThat(envelope.path("message").path("orderId").asText()).isEqualTo(orderId.toString());
                assertThat(envelope.path("message").path("carrier").asText()).isEqualTo("ups");
                assertThat(envelope.path("sentTime").asText()).endsWith("Z");
                assertThat(envelope.path("sourceAddress").asText()).startsWith("rabbitmq://");
            }
        }
    }

    private static GetResponse get(Channel ch, String queue) {
        try {
            return ch.basicGet(queue, true);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
