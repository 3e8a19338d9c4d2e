package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The test broker works with raw kafka-clients, and the fixture's clean-up removes only what it is asked to. */
class KafkaFixtureTest {
    private static final int RECORDS = 100;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void hundredIdempotentRecordsComeBackInOrderAndTheRunsTopicsAreDeletedByPrefixOnly() throws Exception {
        String prefix = "fixture-" + RunIds.next() + "-";
        String other = "fixture-" + RunIds.next() + "-";
        String topic = prefix + "smoke";
        String survivor = other + "survivor";
        AdminClient admin = KafkaFixture.admin(); // finds (or starts) the broker, or fails/skips the test
        try {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1), new NewTopic(survivor, 1, (short) 1)))
                    .all().get(WAIT.toSeconds(), TimeUnit.SECONDS);

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig())) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int i = 0; i < RECORDS; i++) {
                    sent.add(producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)));
                }
                producer.flush();
                for (Future<RecordMetadata> f : sent) {
                    f.get(WAIT.toSeconds(), TimeUnit.SECONDS); // a failed send fails the test here
                }
            }

            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(prefix + "group"))) {
                consumer.subscribe(List.of(topic));
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (values.size() < RECORDS && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        values.add(r.value());
                    }
                }
                // one more poll: anything past the hundredth record would be a duplicate
                consumer.poll(Duration.ofMillis(300)).forEach(r -> values.add(r.value()));
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                expected.add("v" + i);
            }
            assertThat(values).hasSize(RECORDS).containsExactlyElementsOf(expected);

            KafkaFixture.deleteTopicsWithPrefix(prefix);
            assertThat(KafkaFixture.topicsWithPrefix(prefix)).isEmpty();
            assertThat(KafkaFixture.topicsWithPrefix(other)).containsExactly(survivor);

            KafkaFixture.deleteTopicsWithPrefix(other);
            assertThat(KafkaFixture.topicsWithPrefix(other)).isEmpty();
        } finally {
            KafkaFixture.deleteTopicsWithPrefix(prefix);
            KafkaFixture.deleteTopicsWithPrefix(other);
        }
    }

    @Test
    void aPrefixWithoutAnIdOfThisRunIsRefused() {
        assertThatThrownBy(() -> KafkaFixture.deleteTopicsWithPrefix("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KafkaFixture.deleteTopicsWithPrefix("orders-")).isInstanceOf(IllegalArgumentException.class);
    }

    private static Map<String, Object> producerConfig() {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    }

    private static Properties consumerConfig(String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return p;
    }
}
