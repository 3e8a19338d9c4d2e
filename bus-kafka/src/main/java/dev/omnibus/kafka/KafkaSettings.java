package dev.omnibus.kafka;

import java.time.Duration;
import java.util.Map;

/**
 * The checked settings of a {@link KafkaTransport}, made by {@link KafkaTransportBuilder#build()}.
 *
 * @param bootstrapServers  {@code host:port[,host:port…]}
 * @param topicPrefix       put before every topic and consumer group name (an environment's scope)
 * @param partitions        partitions of the topics this transport creates
 * @param replicationFactor replicas of the topics it creates; 0 for the broker's default
 * @param commitInterval    how often settled positions are committed
 * @param revocationTimeout how long a revoked partition's running records may finish before it is released
 * @param startFrom         where a new consumer group starts reading
 * @param maxMessageSize    the largest body a producer sends, in bytes
 * @param groupInstanceId   static membership: this process's stable id, or null
 * @param groupProtocol     the consumer group protocol
 * @param clientProperties  passed to every producer, consumer and admin client (TLS, SASL, tuning)
 * @param queueMode         the endpoints read through a share group ({@link KafkaShareReceiver}), not a consumer group
 * @param queueModeForAll   every durable endpoint reads through a share group
 * @param transactionalInstance this process's id in transactional ids ({@link KafkaTransactions}), or null
 *                          when endpoints do not commit in transactions
 */
record KafkaSettings(String bootstrapServers, String topicPrefix, int partitions, short replicationFactor,
        Duration commitInterval, Duration revocationTimeout, KafkaTransportBuilder.StartFrom startFrom,
        int maxMessageSize, String groupInstanceId, KafkaTransportBuilder.GroupProtocol groupProtocol,
        Map<String, String> clientProperties, java.util.Set<String> queueMode, boolean queueModeForAll,
        String transactionalInstance) {
    KafkaSettings {
        clientProperties = Map.copyOf(clientProperties);
        queueMode = java.util.Set.copyOf(queueMode);
    }

    /** Whether durable endpoint {@code queue} reads through a share group (a reply endpoint never does). */
    boolean queueMode(String queue) {
        return queueModeForAll || queueMode.contains(queue);
    }

    /** The first bootstrap server, for addresses ({@code kafka://host:port/name}). */
    String firstServer() {
        String first = bootstrapServers.split(",")[0].trim();
        return first;
    }

    /** The client properties with secrets replaced, for logs. */
    Map<String, String> redacted() {
        java.util.TreeMap<String, String> out = new java.util.TreeMap<>();
        clientProperties.forEach((k, v) -> out.put(k, secret(k) ? "****" : v));
        return out;
    }

    static boolean secret(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("token")
                || k.endsWith(".key") || k.contains("credentials");
    }
}
