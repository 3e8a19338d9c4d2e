package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Topic names, the queue policy and the sizing of {@code PublishBatch} calls: pure functions. */
class SnsTopologyTest {
    @Test
    void topicNamesAreValidWithinTwoHundredFiftySixCharactersPrefixedAndDistinct() {
        String a = SnsTopology.topicName("prod-", "urn:message:shop.orders:OrderPlaced");
        assertThat(a).startsWith("prod-shop-orders-OrderPlaced-").matches("[A-Za-z0-9_-]+");
        assertThat(SnsTopology.topicName("prod-", "urn:message:Plain")).isEqualTo("prod-Plain");
        String b = SnsTopology.topicName("prod-", "urn:message:shop-orders:OrderPlaced");
        assertThat(b).as("names that differ only in a changed character").isNotEqualTo(a);
        String longName = SnsTopology.topicName("prod-", "urn:message:" + "x.".repeat(200) + "Event");
        assertThat(longName).hasSize(256).startsWith("prod-").matches("[A-Za-z0-9_-]+");
        assertThat(SnsTopology.topicName("staging-", "urn:message:shop.orders:OrderPlaced")).startsWith("staging-");
    }

    @Test
    void aFifoTopicNameEndsInFifoWithinTheLimit() {
        String longName = SnsTopology.topicName("prod-", "urn:message:" + "x.".repeat(200) + "Event", true);
        assertThat(longName).hasSize(256).startsWith("prod-").endsWith(".fifo").matches("[A-Za-z0-9_-]+\\.fifo");
        assertThat(SnsTopology.topicName("prod-", "urn:message:shop:PriceChanged", true))
                .isEqualTo("prod-shop-PriceChanged-" + SnsTopology.topicName("prod-", "urn:message:shop:PriceChanged")
                        .substring("prod-shop-PriceChanged-".length()) + ".fifo");
    }

    @Test
    void theQueuePolicyLetsOnlyThisPrefixsTopicsSendToTheQueue() throws Exception {
        SnsTopology t = new SnsTopology(null, null, null, "prod-", java.util.Set.of());
        JsonNode p = new ObjectMapper().readTree(t.policy("arn:aws:sqs:eu-west-1:123456789012:prod-orders",
                "arn:aws:sns:eu-west-1:123456789012:prod-shop-OrderPlaced"));
        JsonNode s = p.path("Statement").get(0);
        assertThat(s.path("Effect").asText()).isEqualTo("Allow");
        assertThat(s.path("Principal").path("Service").asText()).isEqualTo("sns.amazonaws.com");
        assertThat(s.path("Action").asText()).isEqualTo("sqs:SendMessage");
        assertThat(s.path("Resource").asText()).isEqualTo("arn:aws:sqs:eu-west-1:123456789012:prod-orders");
        assertThat(s.path("Condition").path("ArnLike").path("aws:SourceArn").asText())
                .isEqualTo("arn:aws:sns:eu-west-1:123456789012:prod-*");
    }

    @Test
    void publishBatchesAreSizedBeforeAnEntryIsAddedWithinTenEntriesAnd256Kib() {
        List<Integer> sizes = new ArrayList<>(List.of(200_000, 200_000, 62_144, 1));
        for (int i = 0; i < 19; i++) {
            sizes.add(100);
        }
        List<List<Integer>> plan = Batches.plan(sizes, Integer::longValue, SnsPublisher.MAX_BATCH, SnsPublisher.MAX_PUBLISH_BYTES);
        assertThat(plan).allSatisfy(b -> {
            assertThat(b).hasSizeBetween(1, 10);
            assertThat(b.stream().mapToLong(Integer::longValue).sum()).isLessThanOrEqualTo(256 * 1024);
        });
        assertThat(plan.get(0)).containsExactly(200_000);
        assertThat(plan.get(1)).as("exactly 256 KiB fits").containsExactly(200_000, 62_144);
        assertThat(plan.stream().mapToInt(List::size).sum()).isEqualTo(sizes.size());
    }
}
