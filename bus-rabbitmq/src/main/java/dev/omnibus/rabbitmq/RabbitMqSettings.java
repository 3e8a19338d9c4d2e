package dev.omnibus.rabbitmq;

import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * The validated configuration of a {@link RabbitMqTransport}. The password is held here and
 * nowhere else; {@link #toString()} leaves it (and the user name) out.
 */
record RabbitMqSettings(
        String host,
        int port,
        String virtualHost,
        String username,
        String password,
        SSLContext sslContext,
        boolean hostnameVerification,
        String connectionName,
        QueueOptions defaultQueue,
        Map<String, QueueOptions> queues,
        int channelPoolSize,
        Duration confirmTimeout,
        Duration blockedPublishTimeout,
        Duration consumerTimeout,
        Duration recoveryInterval,
        Duration heartbeat,
        Duration connectionTimeout,
        DelayedDelivery delayedDelivery,
        int maxMessageSize,
        Duration temporaryQueueExpiry) {

    RabbitMqSettings {
        queues = Map.copyOf(queues);
    }

    boolean tls() {
        return sslContext != null;
    }

    QueueOptions queueOptions(String queue) {
        return queues.getOrDefault(queue, defaultQueue);
    }

    /** {@code amqp(s)://host:port/vhost}, without credentials: safe for logs. */
    String endpoint() {
        String vhost = virtualHost.equals("/") ? "" : RabbitMqAddress.escape(virtualHost, false);
        return (tls() ? "amqps" : "amqp") + "://" + host + ":" + port + "/" + vhost;
    }

    @Override
    public String toString() {
        return "RabbitMqSettings[" + endpoint() + ", tls=" + tls() + ", channels=" + channelPoolSize
                + ", confirmTimeout=" + confirmTimeout + ", blockedPublishTimeout=" + blockedPublishTimeout + ", delayedDelivery=" + delayedDelivery + "]";
    }
}
