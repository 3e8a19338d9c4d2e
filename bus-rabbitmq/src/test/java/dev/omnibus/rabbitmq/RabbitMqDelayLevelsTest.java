package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.omnibus.Address;
import dev.omnibus.Headers;
import dev.omnibus.spi.BusClock;
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
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Delays without the plugin go through a fixed set of wait levels shared by every target and delay,
 * never a queue per delay: many distinct delays arrive when due (bounds on both sides) and the broker
 * gains no queue named after a delay. Against the real broker.
 */
class RabbitMqDelayLevelsTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(30));
    private final String run = dev.omnibus.testing.RunIds.next();
    private RabbitMqTransport transport;
    private Connection plain;

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @AfterEach
    void stop() throws Exception {
        if (transport != null) {
            transport.close();
        }
        if (plain != null) {
            plain.close();
        }
    }

    @Test
    void distinctDelaysShareTheLevelsAndEachArrivesWhenDue() throws Exception {
        transport = RabbitFixture.builder().delayedDelivery(DelayedDelivery.WAIT_QUEUES).build();
        transport.start(new TransportContext(BusClock.system(), "delay-levels-" + run));
        plain = RabbitFixture.plainFactory().newConnection("delay-levels-test");
        String queue = "dl-" + run;
        transport.declareEndpoint(new EndpointTopology(queue, List.of(), false));
        Map<String, Long> arrived = new ConcurrentHashMap<>();
        ReceiveHandle h = transport.receive(queue, new ReceiveSettings(32), d -> {
            arrived.put(new String(d.body(), StandardCharsets.UTF_8), System.nanoTime());
            d.ack();
        });
        try {
            long[] delays = {150, 333, 500, 777, 1000, 1234, 1500, 2049, 2500, 3001};
            long start = System.nanoTime();
            for (long ms : delays) {
                AWAIT.done("delayed " + ms, transport.sendDelayed(Address.queue(queue), new OutgoingMessage(
                        ("d" + ms).getBytes(StandardCharsets.UTF_8), Headers.of(OutgoingMessage.CONTENT_TYPE, "text/plain"),
                        null, null), ms)).join();
            }
            AWAIT.until("every delayed message arrived", () -> arrived.size() == delays.length);
            for (long ms : delays) {
                long tookMs = (arrived.get("d" + ms) - start) / 1_000_000;
                assertThat(tookMs).as("the message delayed %d ms", ms).isBetween(ms - 20, ms + 2_500);
            }
            try (Channel ch = plain.createChannel()) {
                assertThat(ch.queueDeclarePassive(Delays.LEVEL_PREFIX + "0").getQueue()).isEqualTo(Delays.LEVEL_PREFIX + "0");
                assertThat(ch.queueDeclarePassive(Delays.LEVEL_PREFIX + (Delays.LEVELS - 1)).getQueue()).isNotNull();
            }
            for (long ms : delays) { // the old scheme made <queue>_delay_<ms>ms for each
                try (Channel ch = plain.createChannel()) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ch.queueDeclarePassive(queue + "_delay_" + ms + "ms"))
                            .as("no queue for the delay of %d ms", ms).isInstanceOf(java.io.IOException.class);
                } catch (com.rabbitmq.client.AlreadyClosedException | java.io.IOException closedByTheCheck) {
                    // the passive declare of a missing queue closes the channel: expected
                }
            }
        } finally {
            h.close();
        }
    }

    @Test
    void theRoutingKeySpellsTheDelayHighestLevelFirst() {
        String key = Delays.routingKey(5, "orders");
        assertThat(key).endsWith(".1.0.1.orders").hasSize(2 * Delays.LEVELS + "orders".length());
        assertThat(Delays.routingKey(Delays.MAX_EXPIRY_MILLIS, "q")).isEqualTo("1.".repeat(Delays.LEVELS) + "q");
        assertThat(Delays.levelPattern(Delays.LEVELS - 1, '1')).isEqualTo("1.#");
        assertThat(Delays.levelPattern(0, '0')).isEqualTo("*.".repeat(Delays.LEVELS - 1) + "0.#");
    }

    @Test
    void aReceivedMessagesCcHeaderDoesNotRouteItsDelayedCopyToAnotherQueue() throws Exception {
        transport = RabbitFixture.builder().delayedDelivery(DelayedDelivery.WAIT_QUEUES).build();
        transport.start(new TransportContext(BusClock.system(), "delay-cc-" + run));
        plain = RabbitFixture.plainFactory().newConnection("delay-cc-test");
        String queue = "dlcc-" + run;
        String victim = "dlcc-victim-" + run;
        transport.declareEndpoint(new EndpointTopology(queue, List.of(), false));
        transport.declareEndpoint(new EndpointTopology(victim, List.of(), false));
        // the victim was delayed to before, so the wait levels deliver to it
        AWAIT.done("bind the victim", transport.sendDelayed(Address.queue(victim), new OutgoingMessage(
                "warm-up".getBytes(StandardCharsets.UTF_8), Headers.of(OutgoingMessage.CONTENT_TYPE, "text/plain"), null, null),
                1)).join();
        AWAIT.until("the warm-up delivered to the victim", () -> depth(victim) == 1);
        try (Channel ch = plain.createChannel()) { // a hostile sender: CC names the victim's route through the levels
            ch.basicPublish("", queue, new com.rabbitmq.client.AMQP.BasicProperties.Builder().contentType("text/plain")
                    .headers(Map.of("CC", List.of(Delays.routingKey(50, victim)))).build(),
                    "hostile".getBytes(StandardCharsets.UTF_8));
        }
        java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
        ReceiveHandle h = transport.receive(queue, new ReceiveSettings(4), d -> {
            if (received.incrementAndGet() == 1) {
                d.requeue(Duration.ofMillis(50)); // a delayed redelivery: the copy goes through the levels
            } else {
                d.ack();
            }
        });
        try {
            AWAIT.until("the delayed copy came back to its own queue", () -> received.get() == 2);
            long settle = System.nanoTime() + Duration.ofMillis(500).toNanos(); // a CC copy would have arrived by now
            AWAIT.until("500 ms passed", () -> System.nanoTime() > settle);
            assertThat(depth(victim)).as("copies in the victim's queue beyond the warm-up").isEqualTo(1);
        } finally {
            h.close();
        }
    }

    private long depth(String queue) {
        try (Channel ch = plain.createChannel()) {
            return ch.messageCount(queue);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aPluginProbeThatCannotReachTheBrokerIsNoAnswerAndOneThatReachesItIs() throws Exception {
        com.rabbitmq.client.ConnectionFactory closed = RabbitFixture.plainFactory().clone();
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed.setPort(s.getLocalPort()); // a port that accepts nothing of AMQP, closed below
        }
        closed.setConnectionTimeout(2_000);
        assertThat(Delays.probe(closed)).as("no broker: not an answer, so not remembered as 'no plugin'").isNull();
        assertThat(Delays.probe(RabbitFixture.plainFactory())).as("the local broker answers").isNotNull();
    }
}
