package dev.omnibus.rabbitmq;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How the queue of a receive endpoint is declared: its type, a message TTL, and further
 * {@code x-} arguments. The endpoint's {@code _error} and {@code _skipped} queues get the same
 * queue type but neither the TTL nor the other arguments (a failed message must not expire).
 * Immutable; {@code withX} returns a copy.
 *
 * <pre>{@code
 * QueueOptions.quorum().withMessageTtl(Duration.ofHours(1)).withArgument("x-delivery-limit", 20)
 * }</pre>
 *
 * @param type       classic (default) or quorum
 * @param messageTtl {@code x-message-ttl}, or null for none
 * @param arguments  further queue arguments, passed to the broker as they are
 */
public record QueueOptions(QueueType type, Duration messageTtl, Map<String, Object> arguments) {
    /** The queue types Omnibus declares. */
    public enum QueueType {
        /** The default classic queue, declared without {@code x-queue-type} (the broker's default type), as MassTransit declares it. */
        CLASSIC("classic"),
        /** A replicated quorum queue (RabbitMQ 3.8+); always durable. */
        QUORUM("quorum");

        private final String argument;

        QueueType(String argument) {
            this.argument = argument;
        }

        /** The value of {@code x-queue-type}. */
        public String argument() {
            return argument;
        }
    }

    public QueueOptions {
        Objects.requireNonNull(type, "type");
        arguments = arguments == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(arguments));
    }

    /** A durable classic queue with no arguments: the default. */
    public static QueueOptions classic() {
        return new QueueOptions(QueueType.CLASSIC, null, Map.of());
    }

    /** A quorum queue. */
    public static QueueOptions quorum() {
        return new QueueOptions(QueueType.QUORUM, null, Map.of());
    }

    /** A copy with {@code x-message-ttl}. */
    public QueueOptions withMessageTtl(Duration ttl) {
        return new QueueOptions(type, ttl, arguments);
    }

    /** A copy with one more queue argument ({@code x-max-length}, {@code x-delivery-limit}, …). */
    public QueueOptions withArgument(String name, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(arguments);
        copy.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new QueueOptions(type, messageTtl, copy);
    }

    /** Problems with these options, for the builder's report. */
    void validate(String what, java.util.List<String> problems) {
        if (messageTtl != null && (messageTtl.isNegative() || messageTtl.toMillis() > Integer.MAX_VALUE)) {
            problems.add(what + ": messageTtl must be between 0 and " + Integer.MAX_VALUE + " ms, was " + messageTtl);
        }
        for (String k : arguments.keySet()) {
            if (k.equals("x-queue-type")) {
                problems.add(what + ": set the queue type with QueueOptions.quorum()/classic(), not the x-queue-type argument");
            }
        }
        if (type == QueueType.QUORUM && arguments.containsKey("x-max-priority")) {
            problems.add(what + ": quorum queues do not support x-max-priority");
        }
    }

    /** The arguments of the endpoint queue itself. */
    Map<String, Object> queueArguments() {
        Map<String, Object> args = new LinkedHashMap<>(arguments);
        if (type != QueueType.CLASSIC) { // classic is the broker's default: MassTransit writes no argument for it
            args.put("x-queue-type", type.argument());
        }
        if (messageTtl != null) {
            args.put("x-message-ttl", (int) messageTtl.toMillis());
        }
        return args;
    }

    /** The arguments of its error and skipped queues: the type only (none for classic). */
    Map<String, Object> deadLetterQueueArguments() {
        Map<String, Object> args = new LinkedHashMap<>();
        if (type != QueueType.CLASSIC) {
            args.put("x-queue-type", type.argument());
        }
        return args;
    }
}
