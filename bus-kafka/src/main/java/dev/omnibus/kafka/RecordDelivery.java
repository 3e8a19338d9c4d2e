package dev.omnibus.kafka;

import dev.omnibus.Headers;
import dev.omnibus.spi.Delivery;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a consumer-group delivery ({@link KafkaDelivery}) and a share-group delivery
 * ({@link KafkaShareDelivery}) have in common: a record, its value as the body (empty for a
 * tombstone) and its headers read once, when first asked for.
 */
abstract class RecordDelivery implements Delivery {
    private static final byte[] EMPTY = new byte[0];

    final ConsumerRecord<byte[], byte[]> record;
    private volatile Headers headers;

    RecordDelivery(ConsumerRecord<byte[], byte[]> record) {
        this.record = record;
    }

    @Override
    public final byte[] body() {
        byte[] v = record.value();
        return v == null ? EMPTY : v;
    }

    /** {@link Delivery#ackWith}'s default: the messages through the transport, then {@link #ack}. */
    final java.util.concurrent.CompletionStage<Void> sendThenAck(java.util.List<dev.omnibus.spi.ProducedMessage> messages,
            dev.omnibus.spi.Transport transport) {
        return Delivery.super.ackWith(messages, transport);
    }

    @Override
    public final Headers headers() {
        Headers h = headers;
        if (h == null) {
            h = KafkaHeaders.read(record.headers());
            headers = h;
        }
        return h;
    }
}
