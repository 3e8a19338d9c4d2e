package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.SerializationException;
import dev.omnibus.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Messages a plain amqp-client puts on an endpoint's queue that the bus cannot read: each lands
 * in {@code <queue>_error}, unchanged, with MassTransit's fault headers and the reason, and the
 * endpoint keeps consuming the good message sent after it.
 */
class WireBadInputTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(30));
    private static final String ENVELOPE = "application/vnd.masstransit+json";
    /** Above the bus's default maxMessageSize (4 MiB), far below RabbitMQ's 128 MiB. */
    private static final int HUGE = 5 * 1024 * 1024;

    record Good(UUID id) {
    }

    enum BadInput {
        /** No content_type and a body that is no envelope: read with the endpoint's default (the JSON envelope), fails. */
        NO_CONTENT_TYPE(null, "just some text".getBytes(StandardCharsets.UTF_8), "JSON"),
        /** A content type no serializer has: falls back to the default, which cannot read XML. */
        WRONG_CONTENT_TYPE("application/xml", "<order id=\"1\"/>".getBytes(StandardCharsets.UTF_8), "JSON"),
        /** The envelope content type on a body that is not JSON. */
        INVALID_JSON(ENVELOPE, "{\"messageId\": \"181c0000-6393-3630-36a4-08daf4e7c6da\", \"message\": {".getBytes(StandardCharsets.UTF_8), "JSON"),
        /** A body larger than the bus's maxMessageSize. */
        HUGE_BODY(ENVELOPE, huge(), "over the limit");

        final String contentType;
        final byte[] body;
        final String reasonMentions;

        BadInput(String contentType, byte[] body, String reasonMentions) {
            this.contentType = contentType;
            this.body = body;
            this.reasonMentions = reasonMentions;
        }

        private static byte[] huge() {
            byte[] b = new byte[HUGE];
            Arrays.fill(b, (byte) 'x');
            b[0] = '{';
            return b;
        }
    }

    private final String run = dev.omnibus.testing.RunIds.next();
    private Connection plain;

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @BeforeEach
    void connect() throws Exception {
        plain = RabbitFixture.plainFactory().newConnection("bad-input-test");
    }

    @AfterEach
    void disconnect() throws Exception {
        plain.close();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(BadInput.class)
    void unreadableMessageLandsInErrorQueueWithItsReasonAndTheEndpointKeepsConsuming(BadInput bad) throws Exception {
        String queue = "bad-" + bad.name().toLowerCase(java.util.Locale.ROOT) + "-" + run;
        String messageId = UUID.randomUUID().toString();
        UUID good = UUID.randomUUID();
        Queue<UUID> consumed = new ConcurrentLinkedQueue<>();
        try (Bus bus = Bus.builder().transport(RabbitFixture.transport()).name("bad-" + run)
                .receiveEndpoint(queue, e -> e.consumer(Good.class, ctx -> consumed.add(ctx.message().id())))
                .start();
             Channel ch = plain.createChannel()) {
            ch.confirmSelect();
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                    .contentType(bad.contentType).messageId(messageId).deliveryMode(2).build();
            ch.basicPublish("", queue, true, props, bad.body); // straight onto the queue, as a misbehaving client would
            ch.waitForConfirmsOrDie(10_000);
            AWAIT.done("the good message is confirmed", bus.send(Address.queue(queue), new Good(good))).join();

            AWAIT.until("the good message sent after the bad one is consumed", () -> consumed.contains(good));
            GetResponse moved = AWAIT.until("the bad message in " + queue + "_error", () -> get(ch, queue + "_error"),
                    r -> r != null);
            assertThat(moved.getProps().getMessageId()).isEqualTo(messageId);
            assertThat(moved.getBody()).as("the body in the error queue (unchanged)").isEqualTo(bad.body);
            assertThat(moved.getProps().getContentType()).isEqualTo(bad.contentType);
            assertThat(header(moved, "MT-Reason")).isEqualTo("fault");
            assertThat(header(moved, "MT-Fault-ExceptionType")).isEqualTo(SerializationException.class.getName());
            assertThat(header(moved, "MT-Fault-Message")).as("MT-Fault-Message (the reason)").containsIgnoringCase(bad.reasonMentions);
            assertThat(header(moved, "MT-Fault-InputAddress")).endsWith("/" + queue);
            assertThat(consumed).containsExactly(good);
        }
    }

    @Test
    void messageWithoutContentTypeButAnEnvelopeBodyIsReadWithTheDefaultSerializer() throws Exception {
        String queue = "bad-noct-ok-" + run;
        UUID id = UUID.randomUUID();
        Queue<UUID> consumed = new ConcurrentLinkedQueue<>();
        try (Bus bus = Bus.builder().transport(RabbitFixture.transport()).name("bad-" + run)
                .receiveEndpoint(queue, e -> e.consumer(Good.class, ctx -> consumed.add(ctx.message().id())))
                .start();
             Channel ch = plain.createChannel()) {
            String body = "{\"messageId\":\"" + UUID.randomUUID() + "\",\"messageType\":[\"urn:message:"
                    + Good.class.getPackageName() + ":WireBadInputTest+Good\"],\"message\":{\"id\":\"" + id + "\"}}";
            ch.basicPublish("", queue, new AMQP.BasicProperties.Builder().deliveryMode(2).build(),
                    body.getBytes(StandardCharsets.UTF_8));
            AWAIT.until("the envelope without a content type is consumed (MassTransit falls back the same way)",
                    () -> consumed.contains(id));
        }
    }

    private static GetResponse get(Channel ch, String queue) {
        try {
            return ch.basicGet(queue, true);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header(GetResponse r, String name) {
        Object v = r.getProps().getHeaders() == null ? null : r.getProps().getHeaders().get(name);
        return v == null ? null : v.toString();
    }
}
