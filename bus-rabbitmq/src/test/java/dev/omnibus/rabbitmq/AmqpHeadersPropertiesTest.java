package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import dev.omnibus.Headers;
import dev.omnibus.spi.OutgoingMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The AMQP properties of an outgoing message: the table-less fast path and what still needs a table. */
class AmqpHeadersPropertiesTest {
    private static final byte[] ENVELOPE = "{\"message\":{\"n\":1},\"headers\":{}}".getBytes(StandardCharsets.UTF_8);

    private static Headers headers(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return Headers.of(m);
    }

    @Test
    void contentTypeMessageIdAndCorrelationIdAloneAreIdPropertiesAndNoTable() {
        AMQP.BasicProperties p = AmqpHeaders.properties(new OutgoingMessage(ENVELOPE, headers(
                OutgoingMessage.CONTENT_TYPE, EnvelopeHeaders.CONTENT_TYPE, OutgoingMessage.MESSAGE_ID, "m-1",
                OutgoingMessage.CORRELATION_ID, "c-1"), null, null), 0, 100_000);
        assertThat(p.getContentType()).isEqualTo(EnvelopeHeaders.CONTENT_TYPE);
        assertThat(p.getMessageId()).isEqualTo("m-1");
        assertThat(p.getCorrelationId()).isEqualTo("c-1");
        assertThat(p.getDeliveryMode()).isEqualTo(2);
        assertThat(p.getHeaders()).isNull();
        assertThat(p.getExpiration()).isNull();
    }

    @Test
    void otherHeadersAnIdTooLongForAPropertyAndTheEnvelopesHeadersGoToTheTable() {
        String longId = "é".repeat(200); // 400 bytes in UTF-8: over a short string's 255
        byte[] body = "{\"message\":{},\"headers\":{\"Tenant\":\"t-9\"}}".getBytes(StandardCharsets.UTF_8);
        AMQP.BasicProperties p = AmqpHeaders.properties(new OutgoingMessage(body, headers(
                OutgoingMessage.CONTENT_TYPE, EnvelopeHeaders.CONTENT_TYPE, OutgoingMessage.MESSAGE_ID, longId,
                OutgoingMessage.PARTITION_KEY, "k-1", "Flag", true), null, Instant.ofEpochMilli(5_000)), 1_000, 100_000);
        assertThat(p.getMessageId()).isNull();
        assertThat(p.getHeaders()).containsEntry(OutgoingMessage.MESSAGE_ID, longId)
                .containsEntry(OutgoingMessage.PARTITION_KEY, "k-1").containsEntry("Flag", "True")
                .containsEntry("Tenant", "t-9").doesNotContainKey(OutgoingMessage.CONTENT_TYPE);
        assertThat(p.getExpiration()).isEqualTo("4000");
    }

    @Test
    void anIdOfExactlyTheShortStringLimitIsStillAProperty() {
        String id = "a".repeat(85) + "é".repeat(85); // 85 + 170 = 255 bytes, 170 characters
        AMQP.BasicProperties p = AmqpHeaders.properties(new OutgoingMessage(ENVELOPE, headers(
                OutgoingMessage.MESSAGE_ID, id), null, null), 0, 100_000);
        assertThat(p.getMessageId()).isEqualTo(id);
        assertThat(p.getHeaders()).isNull();
    }
}
