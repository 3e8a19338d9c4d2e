package dev.omnibus.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka client properties of one transport's clients: the user's ({@code property(...)}) first,
 * then what the transport owns (bootstrap servers, serializers, group, offsets), then defaults the
 * user may override ({@code putIfAbsent}).
 */
final class ClientProperties {
    private static final Logger LOG = LoggerFactory.getLogger(ClientProperties.class);
    /** The consumers' {@code fetch.max.wait.ms} unless the application sets one (Kafka's default is 500). */
    static final int FETCH_MAX_WAIT_MS = 100;
    /**
     * Consumer properties a {@code KafkaShareConsumer} refuses ({@code ShareConsumerConfig}): a share group
     * has its own session, heartbeat and assignor settings on the broker, and its isolation level is the
     * group config {@code share.isolation.level}. The builder refuses the other ones the transport owns.
     */
    private static final List<String> NOT_FOR_SHARE_CONSUMERS = List.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG);

    private final KafkaSettings settings;
    private final String busName;

    ClientProperties(KafkaSettings settings, String busName) {
        this.settings = settings;
        this.busName = busName;
    }

    private Properties base(String clientId) {
        Properties p = new Properties();
        p.putAll(settings.clientProperties());
        p.put("bootstrap.servers", settings.bootstrapServers());
        p.putIfAbsent("client.id", clientId);
        return p;
    }

    Properties admin() {
        return base("omnibus-" + busName + "-admin");
    }

    Properties producer() {
        Properties p = base("omnibus-" + busName);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // room for the largest body plus its headers and the record's framing
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Math.max(1_048_576, settings.maxMessageSize() + 128 * 1024)));
        return p;
    }

    /**
     * The transactional producer of one endpoint ({@link KafkaTransactions}): the shared producer's
     * properties plus its {@code transactional.id} (idempotence and {@code acks=all} as always).
     */
    Properties transactionalProducer(String transactionalId) {
        Properties p = producer();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "omnibus-" + busName + "-tx-" + transactionalId);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return p;
    }

    /** A consumer of endpoint {@code queue} in {@code group}; a reply endpoint's (null group) reads by {@code assign}. */
    Properties consumer(String queue, String group, int prefetch) {
        Properties p = base("omnibus-" + busName + "-" + queue);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // never a record of an aborted transaction (nor one of an open transaction yet): what a
        // transactional endpoint, here or in another service, has not committed does not exist
        p.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(Math.min(500, Math.max(1, prefetch))));
        // one fetch is outstanding per broker: one for a caught-up partition alone holds back the
        // others' next fetch for this long while their records wait on the broker (500 ms by default)
        p.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(FETCH_MAX_WAIT_MS));
        if (group == null) {
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"); // its own new topic: everything in it is a reply
            return p;
        }
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, settings.startFrom() == KafkaTransportBuilder.StartFrom.EARLIEST
                ? "earliest" : "latest");
        if (settings.groupInstanceId() != null) {
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.groupInstanceId() + "-" + queue);
        }
        if (settings.groupProtocol() == KafkaTransportBuilder.GroupProtocol.CONSUMER) {
            p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        } else {
            p.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        }
        return p;
    }

    /** A share consumer of queue-mode endpoint {@code queue} in share group {@code group}. */
    Properties shareConsumer(String queue, String group, int prefetch) {
        Properties p = base("omnibus-" + busName + "-" + queue);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        // at most prefetch records acquired (and their locks running) at once, none buffered ahead
        p.putIfAbsent(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(Math.min(500, prefetch)));
        // transport-wide consumer-group settings a share consumer refuses (ConfigException): left out here
        List<String> left = new ArrayList<>();
        for (String k : NOT_FOR_SHARE_CONSUMERS) {
            if (p.remove(k) != null && settings.clientProperties().containsKey(k)) {
                left.add(k);
            }
        }
        if (!left.isEmpty()) {
            LOG.info("Endpoint {} (queue mode): client properties {} apply to consumer groups only; its share consumer "
                    + "is made without them", queue, left);
        }
        return p;
    }
}
