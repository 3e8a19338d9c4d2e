package dev.omnibus.rabbitmq;

/**
 * How the RabbitMQ transport delays messages (scheduled sends and delayed redelivery) when the
 * bus uses its native scheduler.
 */
public enum DelayedDelivery {
    /**
     * The default: use the delayed-message exchange plugin when the broker has it, otherwise wait
     * queues. The plugin is detected once, on a separate short-lived connection (declaring an
     * {@code x-delayed-message} exchange on a broker without the plugin closes the connection).
     */
    AUTO,
    /** Always the {@code rabbitmq_delayed_message_exchange} plugin (exchange {@code <target>_delay}, header {@code x-delay}). */
    PLUGIN,
    /**
     * Always wait queues: a queue {@code <target>_delay_<ms>} per target and delay, with
     * {@code x-message-ttl} = the delay and {@code x-dead-letter-exchange} = the target exchange.
     */
    WAIT_QUEUES
}
