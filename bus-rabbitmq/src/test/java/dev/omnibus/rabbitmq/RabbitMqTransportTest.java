package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.omnibus.Address;
import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The transport below the bus, against the real broker. */
class RabbitMqTransportTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(20));
    private final String run = dev.omnibus.testing.RunIds.next();
    private RabbitMqTransport transport;
    private Connection plain;

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @BeforeEach
    void start() throws Exception {
        transport = RabbitFixture.transport();
        transport.start(new TransportContext(BusClock.system(), "transport-test-" + run));
        plain = RabbitFixture.plainFactory().newConnection("transport-test");
    }

    @AfterEach
    void stop() throws Exception {
        transport.close();
        plain.close();
    }

    private static OutgoingMessage message(String text) {
        return new OutgoingMessage(text.getBytes(StandardCharsets.UTF_8),
                Headers.of(OutgoingMessage.CONTENT_TYPE, "text/plain").with(OutgoingMessage.MESSAGE_ID, text)
                        .with("X-Number", 42).with("X-List", List.of("a", "b")), null, null);
    }

    @Test
    void sendToAQueueThatDoesNotExistYetCreatesItSoNothingIsLost() throws Exception {
        String queue = "tt-new-" + run;
        AWAIT.done("send confirmed", transport.send(Address.queue(queue), message("hello"))).join();
        try (Channel ch = plain.createChannel()) {
            GetResponse r = ch.basicGet(queue, true);
            assertThat(r).isNotNull();
            assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo("hello");
            assertThat(r.getProps().getMessageId()).isEqualTo("hello");
            assertThat(r.getProps().getDeliveryMode()).isEqualTo(2);
            assertThat(r.getProps().getHeaders()).containsEntry("X-Number", 42);
            ch.queueDelete(queue);
            ch.exchangeDelete(queue);
        }
    }

    @Test
    void sendToAnExchangeWithNoQueueIsReportedUnroutable() throws Exception {
        String name = "tt-unbound-" + run;
        try (Channel ch = plain.createChannel()) {
            ch.exchangeDeclare(name, "fanout", false, true, null);
            var f = transport.send(Address.queue(name), message("lost?"));
            AWAIT.done("the send ends", f);
            assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(TransportException.class).hasMessageContaining("unroutable");
            // a topic send (fan-out) to the same exchange with nobody bound is normal
            AWAIT.done("topic send", transport.send(Address.topic(name), message("fan-out"))).join();
            ch.exchangeDelete(name);
        }
    }

    @Test
    void deliveryHeadersMapAmqpPropertiesAndSettleOnce() throws Exception {
        String queue = "tt-recv-" + run;
        transport.declareEndpoint(new EndpointTopology(queue, List.of(), false));
        AtomicReference<Delivery> got = new AtomicReference<>();
        ReceiveHandle h = transport.receive(queue, new ReceiveSettings(4), got::set);
        try {
            AWAIT.done("send", transport.send(Address.queue(queue), message("m1"))).join();
            Delivery d = AWAIT.until("delivery", got::get, x -> x != null);
            assertThat(d.headers().asMap()).containsEntry(OutgoingMessage.CONTENT_TYPE, "text/plain")
                    .containsEntry(OutgoingMessage.MESSAGE_ID, "m1").containsEntry("X-Number", 42)
                    // a list is not written, as MassTransit's SetHeaders writes none
                    // (RabbitMqTransport/RabbitMqSendTransportContext.cs)
                    .doesNotContainKey("X-List");
            assertThat(d.redelivered()).isFalse();
            d.ack();
            d.ack(); // ignored: an unknown delivery tag would close the channel
            d.requeue();
            got.set(null);
            AWAIT.done("send", transport.send(Address.queue(queue), message("m2"))).join();
            assertThat(AWAIT.until("the loop still delivers", got::get, x -> x != null).headers().get(OutgoingMessage.MESSAGE_ID))
                    .isEqualTo("m2");
            got.get().ack();
        } finally {
            h.close();
            deleteEndpoint(queue);
        }
    }

    @Test
    void deadLetterTrimsHugeFaultHeadersToFitTheFrame() throws Exception {
        String queue = "tt-dead-" + run;
        transport.declareEndpoint(new EndpointTopology(queue, List.of(), false));
        AtomicReference<Delivery> got = new AtomicReference<>();
        ReceiveHandle h = transport.receive(queue, new ReceiveSettings(4), got::set);
        try {
            AWAIT.done("send", transport.send(Address.queue(queue), message("doomed"))).join();
            Delivery d = AWAIT.until("delivery", got::get, x -> x != null);
            d.deadLetter(Delivery.DeadLetterQueue.ERROR, Headers.of(Map.of("MT-Reason", "fault",
                    "MT-Fault-StackTrace", "at a.b.C.d(C.java:1)\n".repeat(30_000))));
            try (Channel ch = plain.createChannel()) {
                GetResponse moved = AWAIT.until("the message in _error", () -> {
                    try {
                        return ch.basicGet(queue + "_error", true);
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, r -> r != null);
                assertThat(new String(moved.getBody(), StandardCharsets.UTF_8)).isEqualTo("doomed");
                assertThat(moved.getProps().getHeaders().get("MT-Reason").toString()).isEqualTo("fault");
                assertThat(moved.getProps().getHeaders().get("MT-Fault-StackTrace").toString())
                        .startsWith("at a.b.C.d").hasSizeLessThan(131_072);
                assertThat(ch.queueDeclarePassive(queue).getMessageCount()).as("left in the queue").isZero();
            }
        } finally {
            h.close();
            deleteEndpoint(queue);
        }
    }

    @Test
    void closingTheReceiveLoopReturnsUnsettledDeliveriesToTheQueue() throws Exception {
        String queue = "tt-close-" + run;
        transport.declareEndpoint(new EndpointTopology(queue, List.of(), false));
        AtomicReference<Delivery> got = new AtomicReference<>();
        ReceiveHandle h = transport.receive(queue, new ReceiveSettings(4), got::set);
        AWAIT.done("send", transport.send(Address.queue(queue), message("held"))).join();
        Delivery d = AWAIT.until("delivery", got::get, x -> x != null);
        h.close();
        d.ack(); // after close: ignored
        got.set(null);
        ReceiveHandle again = transport.receive(queue, new ReceiveSettings(4), got::set);
        try {
            Delivery back = AWAIT.until("the unsettled message delivered again", got::get, x -> x != null);
            assertThat(back.redelivered()).isTrue();
            back.ack();
        } finally {
            again.close();
            deleteEndpoint(queue);
        }
    }

    @Test
    void oversizedHeadersFailThePublishWithoutHurtingTheChannel() {
        String queue = "tt-big-" + run;
        OutgoingMessage big = message("big").withHeaders(Headers.of("X-Huge", "x".repeat(200_000)));
        var f = transport.send(Address.queue(queue), big);
        AWAIT.done("the send ends", f);
        assertThatThrownBy(f::join).cause().isInstanceOf(TransportException.class).hasMessageContaining("headers");
        AWAIT.done("a normal send after it", transport.send(Address.queue(queue), message("fine"))).join();
        deleteEndpoint(queue);
    }

    private void deleteEndpoint(String queue) {
        try (Channel ch = plain.createChannel()) {
            for (String q : List.of(queue, queue + "_error", queue + "_skipped")) {
                ch.queueDelete(q);
                ch.exchangeDelete(q);
            }
        } catch (Exception e) {
            // best effort
        }
    }
}
