package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Headers;
import dev.omnibus.spi.OutgoingMessage;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The group and deduplication ids of FIFO sends ({@link FifoIds}): pure logic. */
class FifoIdsTest {
    @Test
    void theGroupIsThePartitionKeyElseTheCorrelationIdElseTheMessageId() {
        assertThat(FifoIds.groupId(Headers.of(Map.of(OutgoingMessage.PARTITION_KEY, "k", OutgoingMessage.CORRELATION_ID, "c",
                OutgoingMessage.MESSAGE_ID, "m")))).isEqualTo("k");
        assertThat(FifoIds.groupId(Headers.of(Map.of(OutgoingMessage.CORRELATION_ID, "c", OutgoingMessage.MESSAGE_ID, "m"))))
                .isEqualTo("c");
        assertThat(FifoIds.groupId(Headers.of(Map.of(OutgoingMessage.MESSAGE_ID, "m")))).isEqualTo("m");
    }

    @Test
    void theDeduplicationIdIsTheMessageIdAndARedeliveryCopyGetsItsCount() {
        assertThat(FifoIds.deduplicationId(Headers.of(OutgoingMessage.MESSAGE_ID, "m"))).isEqualTo("m");
        assertThat(FifoIds.deduplicationId(Headers.of(Map.of(OutgoingMessage.MESSAGE_ID, "m", FifoIds.REDELIVERY_COUNT, 2))))
                .isEqualTo("m-r2");
    }

    @Test
    void anIdSqsWouldRefuseIsHashedSoEqualKeysStayEqual() {
        String spaced = "order 42 \u00e9";
        assertThat(FifoIds.valid(spaced)).startsWith("sha256-").hasSize(7 + 64).isEqualTo(FifoIds.valid(spaced))
                .isNotEqualTo(FifoIds.valid("order 43 \u00e9"));
        assertThat(FifoIds.valid("x".repeat(129))).startsWith("sha256-");
        assertThat(FifoIds.valid("x".repeat(128))).isEqualTo("x".repeat(128));
        assertThat(FifoIds.valid("a!~{}")).isEqualTo("a!~{}");
    }
}
