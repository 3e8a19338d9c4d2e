package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Bus;
import dev.omnibus.json.RawJsonSerializer;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Records written by other producers: bare JSON with MassTransit's Kafka headers (or none) is read
 * on an endpoint whose default content type is raw JSON; a tombstone reaches no consumer and does
 * not stop the ones behind it. Real broker, raw kafka-clients producer.
 */
class KafkaForeignRecordTest {
    record OrderPlaced(UUID orderId, int amount) {
    }

    private final String prefix = "kf-" + RunIds.next() + ".";

    @AfterEach
    void cleanUp() {
        KafkaFixture.deleteTopicsWithPrefix(prefix);
    }

    @Test
    void bareJsonRecordsFromAnotherProducerAreConsumedAndTombstonesAreSkipped() throws Exception {
        List<OrderPlaced> seen = new CopyOnWriteArrayList<>();
        List<String> deadLettered = new CopyOnWriteArrayList<>();
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).build();
        try (Bus bus = Bus.builder().transport(transport).name("kf-" + RunIds.next())
                .deserializer(RawJsonSerializer.create())
                .observer(new dev.omnibus.spi.BusObserver() {
                    @Override
                    public void deadLettered(String endpoint, dev.omnibus.spi.Delivery.DeadLetterQueue queue,
                            dev.omnibus.Envelope envelope, Object message, String reason) {
                        deadLettered.add(queue + ": " + reason);
                    }
                })
                .receiveEndpoint("orders", e -> e.defaultContentType(RawJsonSerializer.CONTENT_TYPE)
                        .consumer(OrderPlaced.class, ctx -> seen.add(ctx.message())))
                .start();
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers(),
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            String topic = prefix + "orders";
            ProducerRecord<byte[], byte[]> withHeaders = new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8),
                    ("{\"orderId\":\"" + first + "\",\"amount\":12}").getBytes(StandardCharsets.UTF_8));
            withHeaders.headers().add("MessageId", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
            raw.send(withHeaders).get();
            raw.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8), null)).get(); // a tombstone
            raw.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8),
                    ("{\"orderId\":\"" + second + "\",\"amount\":7}").getBytes(StandardCharsets.UTF_8))).get();

            Await.atMost(Duration.ofSeconds(30)).until("both foreign records consumed", () -> seen.size() >= 2);
            assertThat(seen).containsExactly(new OrderPlaced(first, 12), new OrderPlaced(second, 7));
            assertThat(deadLettered).as("records moved to _error or _skipped (the tombstone must not be)").isEmpty();
        }
    }
}
