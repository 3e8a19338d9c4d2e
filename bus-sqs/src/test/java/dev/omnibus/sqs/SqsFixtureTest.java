package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * The SQS test server (ElasticMQ in this JVM unless {@code OMNIBUS_SQS_ENDPOINT} is set) works
 * with the raw SDK, enforces SQS's limits, and the fixture's clean-up removes only what it is
 * asked to.
 */
class SqsFixtureTest {
    private static final int MESSAGES = 10;
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void tenMessagesWithAttributesAreReceivedWithThemAndDeletedExactlyOnce() {
        String prefix = "fixture-" + RunIds.next() + "-";
        SqsClient sqs = SqsFixture.client();
        try {
            String url = sqs.createQueue(r -> r.queueName(prefix + "smoke")
                    .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "30"))).queueUrl();
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                entries.add(SendMessageBatchRequestEntry.builder()
                        .id("m" + i)
                        .messageBody("body-" + i)
                        .messageAttributes(Map.of(
                                "kind", MessageAttributeValue.builder().dataType("String").stringValue("order").build(),
                                "seq", MessageAttributeValue.builder().dataType("Number").stringValue(String.valueOf(i)).build()))
                        .build());
            }
            SendMessageBatchResponse sent = sqs.sendMessageBatch(r -> r.queueUrl(url).entries(entries));
            assertThat(sent.failed()).isEmpty();
            assertThat(sent.successful()).hasSize(MESSAGES);

            Map<String, Integer> receipts = new HashMap<>();
            List<Message> received = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (received.size() < MESSAGES && System.nanoTime() < deadline) {
                for (Message m : sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                        .messageAttributeNames("All")).messages()) {
                    received.add(m);
                    receipts.merge(m.body(), 1, Integer::sum);
                }
            }
            assertThat(received).hasSize(MESSAGES);
            assertThat(receipts).hasSize(MESSAGES).allSatisfy((body, n) -> assertThat(n).isOne());
            for (Message m : received) {
                String seq = m.body().substring("body-".length());
                assertThat(m.messageAttributes().get("kind").stringValue()).isEqualTo("order");
                assertThat(m.messageAttributes().get("seq").dataType()).isEqualTo("Number");
                assertThat(m.messageAttributes().get("seq").stringValue()).isEqualTo(seq);
            }

            DeleteMessageBatchResponse deleted = sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(received.stream()
                    .map(m -> DeleteMessageBatchRequestEntry.builder().id(m.messageId()).receiptHandle(m.receiptHandle()).build())
                    .toList()));
            assertThat(deleted.failed()).isEmpty();
            assertThat(deleted.successful()).hasSize(MESSAGES);
            // nothing left, visible or in flight
            assertThat(sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages()).isEmpty();
            Map<QueueAttributeName, String> counts = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
            assertThat(counts).containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0")
                    .containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0");
        } finally {
            SqsFixture.deleteQueuesWithPrefix(prefix);
        }
    }

    @Test
    void theAsyncClientSendsAndReceives() throws Exception {
        String prefix = "fixture-" + RunIds.next() + "-";
        try {
            var async = SqsFixture.asyncClient();
            String url = async.createQueue(r -> r.queueName(prefix + "async")).get(20, TimeUnit.SECONDS).queueUrl();
            async.sendMessage(r -> r.queueUrl(url).messageBody("hello")).get(20, TimeUnit.SECONDS);
            List<Message> got = async.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(5))
                    .get(20, TimeUnit.SECONDS).messages();
            assertThat(got).extracting(Message::body).containsExactly("hello");
        } finally {
            SqsFixture.deleteQueuesWithPrefix(prefix);
        }
    }

    /** Strict limits are on: what SQS rejects, the test server rejects, so a transport cannot rely on leniency. */
    @Test
    void strictLimitsRejectWhatSqsRejects() {
        String prefix = "fixture-" + RunIds.next() + "-";
        SqsClient sqs = SqsFixture.client();
        try {
            String url = sqs.createQueue(r -> r.queueName(prefix + "limits")).queueUrl();

            // queue names: 80 characters at most
            String name80 = prefix + "n".repeat(80 - prefix.length());
            assertThat(sqs.createQueue(r -> r.queueName(name80)).queueUrl()).endsWith(name80);
            assertThatThrownBy(() -> sqs.createQueue(r -> r.queueName(name80 + "x"))).isInstanceOf(SqsException.class);

            // batches: 10 entries at most
            List<SendMessageBatchRequestEntry> eleven = new ArrayList<>();
            for (int i = 0; i < 11; i++) {
                eleven.add(SendMessageBatchRequestEntry.builder().id("e" + i).messageBody("x").build());
            }
            assertThatThrownBy(() -> sqs.sendMessageBatch(r -> r.queueUrl(url).entries(eleven)))
                    .isInstanceOf(SqsException.class);

            // message attributes: 10 at most
            Map<String, MessageAttributeValue> attributes = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                attributes.put("a" + i, MessageAttributeValue.builder().dataType("String").stringValue("v").build());
            }
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("ten attributes").messageAttributes(attributes));
            Map<String, MessageAttributeValue> tooMany = new HashMap<>(attributes);
            tooMany.put("a10", MessageAttributeValue.builder().dataType("String").stringValue("v").build());
            assertThatThrownBy(() -> sqs.sendMessage(r -> r.queueUrl(url).messageBody("eleven").messageAttributes(tooMany)))
                    .isInstanceOf(SqsException.class);

            // long polls: 20 s at most
            assertThatThrownBy(() -> sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(21)))
                    .isInstanceOf(SqsException.class);

            // body size: 1 MiB, as SQS since August 2025
            int limit = MAX_BODY;
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("b".repeat(limit)));
            assertThatThrownBy(() -> sqs.sendMessage(r -> r.queueUrl(url).messageBody("b".repeat(limit + 1))))
                    .isInstanceOf(SqsException.class);
        } finally {
            SqsFixture.deleteQueuesWithPrefix(prefix);
        }
    }

    /** SQS's maximum body size (1 MiB since August 2025); ElasticMQ 1.7.1's strict limits agree. */
    static final int MAX_BODY = 1024 * 1024;

    @Test
    void cleanUpDeletesOnlyTheQueuesWithTheGivenPrefix() {
        String prefix = "fixture-" + RunIds.next() + "-";
        String other = "fixture-" + RunIds.next() + "-";
        SqsClient sqs = SqsFixture.client();
        try {
            sqs.createQueue(r -> r.queueName(prefix + "a"));
            sqs.createQueue(r -> r.queueName(prefix + "b.fifo").attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true")));
            sqs.createQueue(r -> r.queueName(other + "survivor"));

            assertThat(SqsFixture.deleteQueuesWithPrefix(prefix)).isEqualTo(2);
            assertThat(AwsTestClients.queueUrlsWithPrefix(sqs, prefix)).isEmpty();
            Set<String> left = new HashSet<>(AwsTestClients.queueUrlsWithPrefix(sqs, other));
            assertThat(left).singleElement().asString().endsWith(other + "survivor");
        } finally {
            SqsFixture.deleteQueuesWithPrefix(prefix);
            SqsFixture.deleteQueuesWithPrefix(other);
        }
    }

    @Test
    void aPrefixWithoutAnIdOfThisRunIsRefused() {
        assertThatThrownBy(() -> SqsFixture.deleteQueuesWithPrefix("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SqsFixture.deleteQueuesWithPrefix("orders-")).isInstanceOf(IllegalArgumentException.class);
    }
}
