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
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.TransportCapabilities;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@link RabbitMqTransport#capabilities()} claims, checked against what the broker and the transport do. */
class RabbitMqCapabilitiesTest {
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
        transport = RabbitFixture.builder().delayedDelivery(DelayedDelivery.WAIT_QUEUES).build();
        transport.start(new TransportContext(BusClock.system(), "caps-test-" + run));
        plain = RabbitFixture.plainFactory().newConnection("caps-test");
    }

    @AfterEach
    void stop() throws Exception {
        transport.close();
        plain.close();
    }

    private static OutgoingMessage message(String id, Headers more) {
        return new OutgoingMessage(id.getBytes(StandardCharsets.UTF_8),
                Headers.of(OutgoingMessage.CONTENT_TYPE, "text/plain").with(OutgoingMessage.MESSAGE_ID, id).withAll(more),
                null, null);
    }

    @Test
    void theLongestNativeDelayIsAcceptedAndALongerOneFailsBeforeReachingTheBroker() throws Exception {
        String queue = "ct-delay-" + run;
        long max = transport.capabilities().maxNativeDelay().toMillis();
        assertThat(transport.capabilities().cancellableDelay()).isFalse();
        try {
            AWAIT.done("a message delayed by the longest native delay", transport.sendDelayed(Address.queue(queue),
                    message("far", Headers.empty()), max)).join();
            var over = transport.sendDelayed(Address.queue(queue), message("too-far", Headers.empty()), max + 1);
            AWAIT.done("one ms more ends", over);
            assertThatThrownBy(over::join).cause().isInstanceOf(TransportException.class).hasMessageContaining("limit");
            AWAIT.done("the transport still sends", transport.send(Address.queue(queue), message("now", Headers.empty()))).join();
        } finally {
            delete(queue);
            delete(queue + "_delay_" + max + "ms");
            delete(queue + "_delay_" + (max + 1) + "ms");
        }
    }

    @Test
    void theHeaderLimitIsTheOneSendEnforces() {
        String queue = "ct-headers-" + run;
        TransportCapabilities caps = transport.capabilities();
        assertThat(caps.maxHeaderBytes()).isEqualTo(transport.maxHeaderTableSize()).isLessThan(Integer.MAX_VALUE);
        // one long-string header: 4 (table size) + 1 + 5 ("X-Pad") + 1 (type) + 4 (length) + n bytes
        int n = caps.maxHeaderBytes() - 15;
        try {
            AWAIT.done("headers of exactly the limit", transport.send(Address.queue(queue),
                    message("fits", Headers.of("X-Pad", "x".repeat(n))))).join();
            var over = transport.send(Address.queue(queue), message("over", Headers.of("X-Pad", "x".repeat(n + 1))));
            AWAIT.done("one byte more ends", over);
            assertThatThrownBy(over::join).cause().isInstanceOf(TransportException.class).hasMessageContaining("headers");
        } finally {
            delete(queue);
        }
    }

    @Test
    void aReplyEndpointIsATemporaryQueueBoundToItsConsumedTypes() throws Exception {
        String name = "ct-reply-" + run;
        String urn = "urn:message:Omnibus.Test:Pong" + run;
        transport.declareEndpoint(new EndpointTopology(name, List.of(urn), List.of(urn), EndpointTopology.Kind.REPLY));
        try (Channel ch = plain.createChannel()) {
            // the same declaration the transport made (not durable, auto-delete, x-expires) is accepted as equivalent
            ch.queueDeclare(name, false, false, true, Map.of("x-expires", 60_000));
            assertThat(transport.resolve(Address.queue(name)).getQuery()).isEqualTo("temporary=true");
            ch.basicPublish(ExchangeNames.forUrn(urn), "", null, "pong".getBytes(StandardCharsets.UTF_8));
            GetResponse r = AWAIT.until("the published type in the reply queue", () -> get(ch, name), Objects::nonNull);
            assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo("pong");
        }
        Channel probe = plain.createChannel(); // closed by the broker's 404
        assertThatThrownBy(() -> probe.queueDeclarePassive(name + "_error")).as("no _error queue").isInstanceOf(IOException.class);
        delete(ExchangeNames.forUrn(urn));
    }

    @Test
    void theNativeSchedulerCannotCancelSoCancelIsFalseAndTheMessageArrives() {
        String queue = "ct-sched-" + run;
        Scheduler scheduler = transport.nativeScheduler().orElseThrow();
        scheduler.start(transport, BusClock.system());
        UUID id = UUID.randomUUID();
        try {
            UUID token = scheduler.schedule(Instant.now().plusMillis(200), Address.queue(queue),
                    message(id.toString(), Headers.empty()));
            assertThat(token).as("the message id").isEqualTo(id);
            assertThat(scheduler.cancel(token)).as("a message in the broker cannot be withdrawn").isFalse();
            try (Channel ch = plain.createChannel()) {
                GetResponse r = AWAIT.until("the message delivered anyway", () -> get(ch, queue), Objects::nonNull);
                assertThat(r.getProps().getMessageId()).isEqualTo(id.toString());
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            delete(queue);
            delete(queue + "_delay_200ms");
            delete(queue + "_delay_199ms");
        }
    }

    private static GetResponse get(Channel ch, String queue) {
        try {
            return ch.basicGet(queue, true);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void delete(String name) {
        try (Channel ch = plain.createChannel()) {
            ch.queueDelete(name);
            ch.exchangeDelete(name);
        } catch (Exception e) {
            // best effort
        }
    }
}
