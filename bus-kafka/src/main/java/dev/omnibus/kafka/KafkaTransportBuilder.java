package dev.omnibus.kafka;

import dev.omnibus.ConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Configures a {@link KafkaTransport}. Setters record; {@link #build()} checks everything and reports
 * every problem at once in one {@link ConfigurationException}. Not thread-safe.
 *
 * <p>Defaults: bootstrap servers {@code 127.0.0.1:9092}, no topic prefix, 4 partitions and the
 * broker's replication factor for the topics the transport creates, positions committed every
 * 100 ms, revoked partitions released after at most 10 s, new consumer groups start at the end of
 * their topics, bodies up to 1,000,000 bytes (within the broker's default {@code message.max.bytes}),
 * no static membership, the classic group protocol with the cooperative-sticky assignor, every
 * endpoint on a consumer group (no {@linkplain #queueMode queue mode}), no
 * {@linkplain #transactions transactions}, consumers read {@code read_committed}.
 *
 * <h2>TLS and SASL</h2>
 * Kafka's own client properties, passed to every producer, consumer and admin client, and never
 * logged where they hold secrets:
 * <pre>{@code
 * KafkaTransport.builder()
 *     .bootstrapServers("broker-1:9093")
 *     .property("security.protocol", "SASL_SSL")
 *     .property("sasl.mechanism", "SCRAM-SHA-512")
 *     .property("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
 *             + "username=\"orders\" password=\"" + secret + "\";")
 *     .property("ssl.truststore.location", "/etc/kafka/truststore.p12")
 *     .build();
 * }</pre>
 */
public final class KafkaTransportBuilder {
    /** Where a consumer group with no committed position starts reading. */
    public enum StartFrom {
        /**
         * The default: the endpoint's own topic from its start (what was sent to the endpoint), the
         * message types' topics from their end (what is published from now on).
         */
        LATEST,
        /** Every record the topic still holds. */
        EARLIEST
    }

    /** The consumer group protocol. */
    public enum GroupProtocol {
        /** The classic protocol, with the cooperative-sticky assignor (the default). */
        CLASSIC,
        /** The broker-driven protocol of KIP-848 (Kafka 4.0 and later brokers). */
        CONSUMER
    }

    /** Properties the transport sets itself: a value given for them would be overridden, so it is refused. */
    private static final Set<String> OWNED = Set.of("bootstrap.servers", "key.serializer", "value.serializer",
            "key.deserializer", "value.deserializer", "group.id", "enable.auto.commit", "group.instance.id",
            "group.protocol", "auto.offset.reset", "share.acknowledgement.mode", "transactional.id");

    private final List<String> problems = new ArrayList<>();
    private String bootstrapServers = "127.0.0.1:9092";
    private String topicPrefix = "";
    private int partitions = 4;
    private short replicationFactor;
    private Duration commitInterval = Duration.ofMillis(100);
    private Duration revocationTimeout = Duration.ofSeconds(10);
    private StartFrom startFrom = StartFrom.LATEST;
    private int maxMessageSize = 1_000_000;
    private String groupInstanceId;
    private GroupProtocol groupProtocol = GroupProtocol.CLASSIC;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final java.util.Set<String> queueMode = new java.util.LinkedHashSet<>();
    private boolean queueModeForAll;
    private String transactionalInstance;

    KafkaTransportBuilder() {
    }

    /** The brokers to bootstrap from, {@code host:port[,host:port…]}. */
    public KafkaTransportBuilder bootstrapServers(String servers) {
        this.bootstrapServers = servers;
        return this;
    }

    /**
     * Put before every topic and consumer group this transport names ({@code "staging."}, say), so
     * several environments share a cluster without sharing topics. Default: none.
     */
    public KafkaTransportBuilder topicPrefix(String prefix) {
        this.topicPrefix = prefix == null ? "" : prefix;
        return this;
    }

    /** Partitions of the topics the transport creates (default 4); existing topics are left as they are. */
    public KafkaTransportBuilder partitions(int partitions) {
        this.partitions = partitions;
        return this;
    }

    /** Replicas of the topics the transport creates (default: the broker's {@code default.replication.factor}). */
    public KafkaTransportBuilder replicationFactor(int replicas) {
        if (replicas < 1 || replicas > Short.MAX_VALUE) {
            problems.add("replicationFactor must be between 1 and " + Short.MAX_VALUE + ", was " + replicas);
        } else {
            this.replicationFactor = (short) replicas;
        }
        return this;
    }

    /** How often settled positions are committed (default 100 ms); also committed on revocation and stop. */
    public KafkaTransportBuilder commitInterval(Duration interval) {
        this.commitInterval = interval;
        return this;
    }

    /**
     * How long the records of a revoked partition that the bus already holds may run before the
     * partition is released to its next owner (default 10 s); what finished by then is committed,
     * the rest is delivered again by the next owner.
     */
    public KafkaTransportBuilder revocationTimeout(Duration timeout) {
        this.revocationTimeout = timeout;
        return this;
    }

    /** Where a consumer group with no committed position starts (default {@link StartFrom#LATEST}). */
    public KafkaTransportBuilder startFrom(StartFrom startFrom) {
        this.startFrom = startFrom;
        return this;
    }

    /** The largest body sent, in bytes (default 1,000,000); keep it within the broker's {@code message.max.bytes}. */
    public KafkaTransportBuilder maxMessageSize(int bytes) {
        this.maxMessageSize = bytes;
        return this;
    }

    /**
     * Static group membership: a stable id of this process (a pod name, say); each endpoint's member
     * is {@code <id>-<endpoint>}. A restart within the session timeout then keeps its partitions
     * without a rebalance. Default: dynamic membership.
     */
    public KafkaTransportBuilder staticMembership(String instanceId) {
        this.groupInstanceId = instanceId;
        return this;
    }

    /** The consumer group protocol (default {@link GroupProtocol#CLASSIC}). */
    public KafkaTransportBuilder groupProtocol(GroupProtocol protocol) {
        this.groupProtocol = protocol;
        return this;
    }

    /**
     * Queue mode for these receive endpoints (by name; may be called again to add more): each reads
     * its topics through a Kafka <em>share group</em> (KIP-932, a broker with the feature
     * {@code share.version=1}) named as its consumer group would be, so any number of members compete
     * for the records of one partition and each record is acknowledged, released or rejected on its
     * own (see {@link KafkaShareReceiver}). Order per key is not kept in queue mode. Default: none,
     * every endpoint reads through a consumer group.
     */
    public KafkaTransportBuilder queueMode(String... endpoints) {
        if (endpoints == null || endpoints.length == 0) {
            problems.add("queueMode names no endpoint");
            return this;
        }
        for (String e : endpoints) {
            if (e == null || e.isBlank()) {
                problems.add("queueMode names a blank endpoint");
            } else {
                queueMode.add(e);
            }
        }
        return this;
    }

    /**
     * Queue mode for every durable receive endpoint of this transport (as if each were named in
     * {@link #queueMode}), including endpoints named only at run time and the error or skipped
     * queues read directly. A bus's reply endpoint stays as it is (its own one-partition topic, read
     * without a group). Default: off.
     */
    public KafkaTransportBuilder queueModeForAllEndpoints() {
        this.queueModeForAll = true;
        return this;
    }

    /**
     * Consume-transform-produce transactions for every receive endpoint that holds its consumers'
     * messages ({@code ReceiveEndpointBuilder.useInMemoryOutbox()}): what the consumers of a record
     * produce and the committed position past that record are written in one Kafka transaction, so they
     * become visible together or not at all, and a crash or a rebalance never duplicates an output seen
     * by a {@code read_committed} reader. Each such endpoint gets its own transactional producer
     * ({@code transactional.id} = {@code <consumer group>/<instanceId>}) fenced by the consumer group's
     * generation (KIP-447). Endpoints without the outbox, queue-mode endpoints and the reply endpoint
     * are not transactional. See {@link KafkaTransactions} and {@code docs/kafka.md}.
     *
     * @param instanceId this process's id, unique among the running instances of the service and the
     *                   same after a restart (a pod name, a host name): a restarted instance then aborts
     *                   what its predecessor left open at once; two live processes with one id fence
     *                   each other's transactions
     */
    public KafkaTransportBuilder transactions(String instanceId) {
        if (instanceId == null || instanceId.isBlank()) {
            problems.add("transactions needs this process's instance id (a pod or host name), was blank");
        } else {
            this.transactionalInstance = instanceId.trim();
        }
        return this;
    }

    /**
     * A Kafka client property for every producer, consumer and admin client ({@code security.protocol},
     * {@code ssl.*}, {@code sasl.*}, {@code linger.ms}, …). Properties the transport owns (group id,
     * serializers, offsets) are refused.
     */
    public KafkaTransportBuilder property(String name, String value) {
        if (name == null || name.isBlank()) {
            problems.add("a client property has no name");
        } else if (OWNED.contains(name)) {
            problems.add("client property '" + name + "' is set by the transport; use the builder's own setting");
        } else if (value == null) {
            problems.add("client property '" + name + "' has no value");
        } else {
            properties.put(name, value);
        }
        return this;
    }

    /** The transport; {@link ConfigurationException} listing every problem when the settings are wrong. */
    public KafkaTransport build() {
        List<String> all = new ArrayList<>(problems);
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            all.add("bootstrapServers is empty: give host:port of at least one broker");
        } else {
            for (String s : bootstrapServers.split(",")) {
                String t = s.trim();
                int colon = t.lastIndexOf(':');
                if (colon <= 0 || colon == t.length() - 1 || !t.substring(colon + 1).chars().allMatch(Character::isDigit)) {
                    all.add("bootstrap server '" + t + "' is not host:port");
                }
            }
        }
        if (!topicPrefix.isEmpty() && !TopicNames.valid(topicPrefix).equals(topicPrefix.replace(':', '.'))) {
            all.add("topicPrefix '" + topicPrefix + "' holds characters a topic name cannot: use letters, digits and . _ -");
        }
        if (partitions < 1) {
            all.add("partitions must be at least 1, was " + partitions);
        }
        positive(all, "commitInterval", commitInterval);
        positive(all, "revocationTimeout", revocationTimeout);
        if (startFrom == null) {
            all.add("startFrom is null");
        }
        if (groupProtocol == null) {
            all.add("groupProtocol is null");
        }
        if (maxMessageSize < 1) {
            all.add("maxMessageSize must be positive, was " + maxMessageSize);
        }
        if (groupInstanceId != null && groupInstanceId.isBlank()) {
            all.add("staticMembership id is blank");
        }
        if (!all.isEmpty()) {
            throw new ConfigurationException("Invalid Kafka transport settings:\n  - " + String.join("\n  - ", all));
        }
        return new KafkaTransport(new KafkaSettings(bootstrapServers.trim(), topicPrefix.replace(':', '.'), partitions,
                replicationFactor, commitInterval, revocationTimeout, startFrom, maxMessageSize, groupInstanceId,
                groupProtocol, properties, queueMode, queueModeForAll, transactionalInstance));
    }

    private static void positive(List<String> all, String what, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            all.add(what + " must be positive, was " + d);
        }
    }
}
