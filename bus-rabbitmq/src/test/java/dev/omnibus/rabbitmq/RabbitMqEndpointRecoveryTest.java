package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.EndpointHealth;
import dev.omnibus.testing.Await;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An endpoint whose consumer the broker cancels (its queue deleted: basic.cancel) or whose channel
 * the broker closes does not die silently: it reports itself recovering, declares its queue again,
 * subscribes again, and receives what is sent afterwards. Against the real broker; the faults are
 * made with a second, plain connection, as an operator or a failover would.
 */
class RabbitMqEndpointRecoveryTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(30));
    private final String run = dev.omnibus.testing.RunIds.next();
    private final String queue = "recovery-" + run;
    private final AtomicInteger consumed = new AtomicInteger();
    private Bus bus;
    private Connection plain;

    record Ping(UUID id) {
    }

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    private void start() throws Exception {
        bus = Bus.builder()
                .transport(RabbitFixture.transport())
                .name("recovery-" + run)
                .receiveEndpoint(queue, e -> e.consumer(Ping.class, c -> consumed.incrementAndGet()))
                .start();
        plain = RabbitFixture.plainFactory().newConnection("recovery-test");
    }

    @AfterEach
    void stop() throws Exception {
        if (bus != null) {
            bus.close();
        }
        if (plain != null) {
            plain.close();
        }
    }

    private EndpointHealth health() {
        return bus.health().endpoints().stream().filter(e -> e.endpoint().equals(queue)).findFirst().orElseThrow();
    }

    @Test
    void aDeletedQueueIsDeclaredAgainAndTheEndpointReceivesAgain() throws Exception {
        start();
        assertThat(bus.health().healthy()).isTrue();
        bus.send(Address.queue(queue), new Ping(UUID.randomUUID())).join();
        AWAIT.until("the first message consumed", () -> consumed.get() == 1);

        try (Channel ch = plain.createChannel()) {
            ch.queueDelete(queue); // the broker cancels the endpoint's consumer
        }
        AWAIT.until("the endpoint subscribed again", () -> health().recoveries() == 1 && health().healthy());
        assertThat(health().lastError()).contains("cancelled the consumer");
        assertThat(bus.health().healthy()).isTrue();

        bus.send(Address.queue(queue), new Ping(UUID.randomUUID())).join();
        AWAIT.until("the message sent after the recovery consumed", () -> consumed.get() == 2);
    }

    @Test
    void aStoppedBusDoesNotSubscribeAgain() throws Exception {
        start();
        bus.stop();
        assertThat(health().status()).isEqualTo(EndpointHealth.Status.STOPPED);
        assertThat(bus.health().healthy()).isFalse();
    }
}
