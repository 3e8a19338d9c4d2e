package dev.omnibus.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;

/**
 * The test broker ({@link RabbitFixture}) for test packages below {@code dev.omnibus.rabbitmq}
 * (the wire reference suite in {@code dev.omnibus.rabbitmq.wire}): the same resolution order and
 * the same rule, a missing broker skips the test, or fails it with {@code CI=true}.
 */
public final class GoldenBroker {
    private GoldenBroker() {
    }

    /** The broker URI; aborts (skips) or fails the calling test when there is none. */
    public static String uri() {
        return RabbitFixture.uri();
    }

    /** A new, unstarted transport to the test broker. */
    public static RabbitMqTransport transport() {
        return RabbitFixture.transport();
    }

    /** A factory for plain amqp-client connections to the test broker. */
    public static ConnectionFactory plainFactory() {
        return RabbitFixture.plainFactory();
    }
}
