package dev.omnibus.rabbitmq;

import dev.omnibus.outbox.kit.Databases;
import dev.omnibus.outbox.kit.OutboxCrashPointKit;
import dev.omnibus.outbox.kit.OutboxSigkillKit;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.Await;
import org.junit.jupiter.api.Nested;

/**
 * The outbox's crash-point kit over RabbitMQ and PostgreSQL: a process killed at each protocol step
 * leaves unacknowledged deliveries that the broker redelivers and rows that the next dispatcher
 * sends again; the inbox keeps one effect per order. {@link Sigkill} does it with a child JVM killed
 * by SIGKILL at each step.
 */
class RabbitMqOutboxCrashPointTest extends OutboxCrashPointKit {
    @Override
    protected Databases.Db openDatabase() {
        return Databases.postgres();
    }

    @Override
    protected Transport connect() {
        return RabbitFixture.transport();
    }

    /** What the child JVM connects with. */
    public static final class Factory implements OutboxSigkillKit.TransportFactory {
        @Override
        public Transport connect(String uri) {
            return RabbitMqTransport.builder().uri(uri).build();
        }
    }

    /** A child JVM killed with SIGKILL at each protocol step, then this JVM takes over. */
    @Nested
    class Sigkill extends OutboxSigkillKit {
        @Override
        protected String brokerUri() {
            return RabbitFixture.uri();
        }

        @Override
        protected Class<? extends TransportFactory> transportFactory() {
            return Factory.class;
        }

        @Override
        protected void awaitBrokerIdle(Await await, String queue) {
            await.until("no message waiting in " + queue, () -> {
                try (com.rabbitmq.client.Connection c = RabbitFixture.plainFactory().newConnection();
                        com.rabbitmq.client.Channel ch = c.createChannel()) {
                    return ch.queueDeclarePassive(queue).getMessageCount() == 0;
                } catch (java.io.IOException | java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("reading " + queue + "'s message count failed", e);
                }
            });
        }
    }
}
