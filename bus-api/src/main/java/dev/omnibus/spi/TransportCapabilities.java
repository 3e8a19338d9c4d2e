package dev.omnibus.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * What a transport does natively. The bus reads it: {@code Bus.builder().build()} checks the
 * configuration against it (one error per mismatch), and shared code above the SPI fills every gap
 * (ordering by key on a broker without it, delays beyond the native limit through a durable
 * scheduler, subscriptions computed by the bus where the broker cannot forward between topics).
 *
 * <p>Build one with {@link #builder(String)}; unset limits mean "no limit". Immutable.
 *
 * @param name               a short name ({@code loopback}, {@code rabbitmq}, {@code kafka}, {@code sqs})
 * @param settlement         how a delivery is settled: one by one, or cumulatively like an offset
 * @param ordering           the scope within which the broker keeps order
 * @param routing            whether the broker forwards between topics, or the bus computes subscriptions
 * @param maxNativeDelay     the longest delay the broker applies itself; {@link Duration#ZERO} when it has none
 * @param cancellableDelay   whether a natively delayed message can be withdrawn before it is due
 * @param temporaryEndpoints whether the broker removes an endpoint when its owner goes (auto-delete queues)
 * @param durable            whether an accepted message survives the process that sent it (false in memory)
 * @param maxMessageSize     the largest body, in bytes
 * @param maxHeaders         the most transport headers on one message
 * @param maxHeaderBytes     the most bytes of transport headers on one message
 * @param maxBatchSize       the most messages in one batched call ({@code publishAll}, a receive batch)
 * @param byReference        whether the transport carries {@link OutgoingMessage#reference()} to the receiving
 *                           bus in place of the body: the bus then does not serialize, and the body is empty
 *                           (an in-process transport configured so; false for every broker)
 */
public record TransportCapabilities(
        String name,
        Settlement settlement,
        Ordering ordering,
        Routing routing,
        Duration maxNativeDelay,
        boolean cancellableDelay,
        boolean temporaryEndpoints,
        boolean durable,
        int maxMessageSize,
        int maxHeaders,
        int maxHeaderBytes,
        int maxBatchSize,
        boolean byReference) {

    /** How deliveries are settled. */
    public enum Settlement {
        /** Each delivery is acknowledged on its own, in any order (AMQP, SQS, in memory). */
        PER_MESSAGE,
        /** Settling commits a position: everything before it counts as settled (a Kafka offset). */
        CUMULATIVE
    }

    /** Where the broker keeps the order messages were sent in. */
    public enum Ordering {
        /** No order promised. */
        NONE,
        /** Per ordering key (the partition key). */
        KEY,
        /** Per partition (a log's partition; keys hash to partitions). */
        PARTITION,
        /** Per message group (SQS FIFO). */
        GROUP
    }

    /** Who decides which endpoints a published message reaches. */
    public enum Routing {
        /** The broker forwards a type's topic to interface topics and endpoints (AMQP exchanges). */
        BROKER,
        /** Each endpoint subscribes to the topic of every concrete type it consumes (Kafka, SNS). */
        BUS
    }

    public TransportCapabilities {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(settlement, "settlement");
        Objects.requireNonNull(ordering, "ordering");
        Objects.requireNonNull(routing, "routing");
        Objects.requireNonNull(maxNativeDelay, "maxNativeDelay");
        if (maxNativeDelay.isNegative()) {
            throw new IllegalArgumentException("maxNativeDelay must not be negative, was " + maxNativeDelay);
        }
        positive("maxMessageSize", maxMessageSize);
        positive("maxHeaders", maxHeaders);
        positive("maxHeaderBytes", maxHeaderBytes);
        positive("maxBatchSize", maxBatchSize);
    }

    private static void positive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be positive, was " + value);
        }
    }

    /** Whether the broker can delay a message at all. */
    public boolean nativeDelay() {
        return !maxNativeDelay.isZero();
    }

    /** Whether the broker keeps the order of one partition key (by key, partition or group). */
    public boolean orderedByKey() {
        return ordering != Ordering.NONE;
    }

    /** A builder with the defaults: per-message settlement, key order, broker routing, no native delay, no limits. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        Builder b = new Builder(name);
        b.settlement = settlement;
        b.ordering = ordering;
        b.routing = routing;
        b.maxNativeDelay = maxNativeDelay;
        b.cancellableDelay = cancellableDelay;
        b.temporaryEndpoints = temporaryEndpoints;
        b.durable = durable;
        b.maxMessageSize = maxMessageSize;
        b.maxHeaders = maxHeaders;
        b.maxHeaderBytes = maxHeaderBytes;
        b.maxBatchSize = maxBatchSize;
        b.byReference = byReference;
        return b;
    }

    /** Builds {@link TransportCapabilities}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private Settlement settlement = Settlement.PER_MESSAGE;
        private Ordering ordering = Ordering.KEY;
        private Routing routing = Routing.BROKER;
        private Duration maxNativeDelay = Duration.ZERO;
        private boolean cancellableDelay;
        private boolean temporaryEndpoints = true;
        private boolean durable = true;
        private int maxMessageSize = Integer.MAX_VALUE;
        private int maxHeaders = Integer.MAX_VALUE;
        private int maxHeaderBytes = Integer.MAX_VALUE;
        private int maxBatchSize = Integer.MAX_VALUE;
        private boolean byReference;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder settlement(Settlement s) { this.settlement = s; return this; }

        public Builder ordering(Ordering o) { this.ordering = o; return this; }

        public Builder routing(Routing r) { this.routing = r; return this; }

        /** The longest native delay and whether a delayed message can be withdrawn. */
        public Builder nativeDelay(Duration max, boolean cancellable) {
            this.maxNativeDelay = max;
            this.cancellableDelay = cancellable;
            return this;
        }

        public Builder temporaryEndpoints(boolean t) { this.temporaryEndpoints = t; return this; }

        public Builder durable(boolean d) { this.durable = d; return this; }

        public Builder maxMessageSize(int bytes) { this.maxMessageSize = bytes; return this; }

        /** Header limits: how many, and how many bytes in all. */
        public Builder maxHeaders(int count, int bytes) {
            this.maxHeaders = count;
            this.maxHeaderBytes = bytes;
            return this;
        }

        public Builder maxBatchSize(int n) { this.maxBatchSize = n; return this; }

        /** Whether messages travel by reference ({@link OutgoingMessage#reference()}), unserialized. */
        public Builder byReference(boolean r) { this.byReference = r; return this; }

        public TransportCapabilities build() {
            return new TransportCapabilities(name, settlement, ordering, routing, maxNativeDelay, cancellableDelay,
                    temporaryEndpoints, durable, maxMessageSize, maxHeaders, maxHeaderBytes, maxBatchSize, byReference);
        }
    }
}
