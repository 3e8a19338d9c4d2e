package dev.omnibus.rabbitmq;

import dev.omnibus.outbox.kit.Databases;
import dev.omnibus.outbox.kit.OutboxCrashPointKit;
import dev.omnibus.spi.Transport;

/**
 * The outbox's crash-point kit over RabbitMQ and PostgreSQL: a process killed at each protocol step
 * leaves unacknowledged deliveries that the broker redelivers and rows that the next dispatcher
 * sends again; the inbox keeps one effect per order.
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
}
