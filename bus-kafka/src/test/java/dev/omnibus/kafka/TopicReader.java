package dev.omnibus.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A raw kafka-clients reader of every partition of one topic from its start, without a group, at a
 * chosen isolation level: what another service would see of the bus's output. Each record's body is
 * read as the bus's JSON envelope and its {@code message} kept. Used by the test thread only.
 */
final class TopicReader implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<JsonNode> messages = new ArrayList<>();

    TopicReader(String topic, int partitions, boolean readCommitted) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
        List<TopicPartition> parts = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            parts.add(new TopicPartition(topic, p));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
    }

    /** Reads what has arrived (one short poll) and returns everything read so far, in partition order per partition. */
    List<JsonNode> poll() {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
            try {
                messages.add(JSON.readTree(r.value()).get("message"));
            } catch (IOException e) {
                throw new UncheckedIOException("record " + r.topic() + "-" + r.partition() + "@" + r.offset()
                        + " is not a JSON envelope", e);
            }
        }
        return List.copyOf(messages);
    }

    /**
     * Reads until this reader's position reaches the end of every partition as of the call (the last
     * stable offset for {@code read_committed}), within 30 s; returns everything read so far.
     */
    List<JsonNode> readToEnd() {
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the reader did not reach the end offsets " + ends + " within 30 s");
            }
            poll();
        }
        return poll();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
