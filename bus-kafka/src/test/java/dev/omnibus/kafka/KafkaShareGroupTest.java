package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The test broker has share groups (KIP-932, feature {@code share.version} at level 1) and
 * kafka-clients' {@link KafkaShareConsumer} works against it with explicit acknowledgement: a
 * released record comes back with its delivery count raised. With raw clients only, so it checks the
 * broker the Kafka transport's share-group support will run on, not the transport.
 */
class KafkaShareGroupTest {
    private static final int RECORDS = 10;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aShareConsumerGetsEveryRecordAndAReleasedOneAgainWithItsDeliveryCountRaised() throws Exception {
        String prefix = "share-" + RunIds.next() + "-";
        String topic = prefix + "t";
        String group = prefix + "g";
        AdminClient admin = KafkaFixture.admin();
        try {
            FinalizedVersionRange share = admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS)
                    .finalizedFeatures().get("share.version");
            assertThat(share).as("the broker's finalized share.version feature").isNotNull();
            assertThat(share.maxVersionLevel()).isGreaterThanOrEqualTo((short) 1);

            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // A share group starts at the log's end by default: read what was produced before it joined.
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                    new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                for (int i = 0; i < RECORDS; i++) {
                    producer.send(new ProducerRecord<>(topic, "v" + i)).get(30, TimeUnit.SECONDS);
                }
            }

            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers());
            config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            config.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
            List<String> deliveries = new ArrayList<>(); // value@offset#deliveryCount
            TreeSet<String> accepted = new TreeSet<>();
            boolean released = false;
            try (KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(config)) {
                consumer.subscribe(List.of(topic));
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (accepted.size() < RECORDS && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        deliveries.add(r.value() + "@" + r.offset() + "#" + r.deliveryCount().orElse((short) -1));
                        if (!released && r.value().equals("v3")) {
                            consumer.acknowledge(r, AcknowledgeType.RELEASE);
                            released = true;
                        } else {
                            consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                            accepted.add(r.value());
                        }
                    }
                    consumer.commitSync();
                }
            }
            assertThat(accepted).hasSize(RECORDS);
            assertThat(deliveries).contains("v3@3#1", "v3@3#2").hasSize(RECORDS + 1);
        } finally {
            KafkaFixture.deleteTopicsWithPrefix(prefix);
        }
    }
}
