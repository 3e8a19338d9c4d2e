package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.EndpointHealth;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A body the broker accepts (its {@code max_message_size} is 128 MiB by default) but over the RabbitMQ
 * client's own inbound limit (64 MiB by default) must not close the consuming connection, which would
 * happen again after every recovery: the transport receives up to its {@code maxMessageSize}, and the
 * bus's own limit moves the body to {@code _error} while the endpoint goes on consuming.
 */
class RabbitMqInboundSizeTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(60));

    record Ping(UUID id) {
    }

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @Test
    void aBodyOverTheClientsDefaultInboundLimitGoesToErrorAndTheEndpointKeepsConsuming() throws Exception {
        String run = RunIds.next();
        String queue = "inbound-" + run;
        AtomicInteger consumed = new AtomicInteger();
        try (Bus bus = Bus.builder()
                .transport(RabbitFixture.transport())
                .name("inbound-" + run)
                .receiveEndpoint(queue, e -> e.consumer(Ping.class, c -> consumed.incrementAndGet()))
                .start();
                Connection plain = RabbitFixture.plainFactory().newConnection("inbound-size-test");
                Channel ch = plain.createChannel()) {
            byte[] big = new byte[65 * 1024 * 1024]; // over amqp-client's default 64 MiB, under the broker's 128 MiB
            ch.confirmSelect();
            ch.basicPublish(queue, "", new AMQP.BasicProperties.Builder().contentType("application/json")
                    .messageId(UUID.randomUUID().toString()).deliveryMode(2).build(), big);
            ch.waitForConfirmsOrDie(30_000);
            bus.send(Address.queue(queue), new Ping(UUID.randomUUID())).join();

            AWAIT.until("the small message after the big one consumed", () -> consumed.get() == 1);
            AWAIT.until("the big body moved to " + queue + "_error",
                    () -> ready(ch, queue + "_error") == 1);
            EndpointHealth health = bus.health().endpoints().stream().filter(h -> h.endpoint().equals(queue))
                    .findFirst().orElseThrow();
            assertThat(health.recoveries()).as("endpoint recoveries (last error " + health.lastError() + ")").isZero();
            assertThat(health.healthy()).isTrue();
        }
    }

    private static int ready(Channel ch, String queue) {
        try {
            return ch.queueDeclarePassive(queue).getMessageCount();
        } catch (java.io.IOException e) {
            throw new AssertionError("queue " + queue + " does not exist", e);
        }
    }
}
