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
     * Always wait queues: 32 shared levels, level {@code k} a queue with {@code x-message-ttl} = 2^k ms,
     * a message routed through the levels of its delay's set bits and dead-lettered into its target's
     * exchange at the end ({@code Delays}): a bounded set of queues whatever the delays.
     */
    WAIT_QUEUES
}
