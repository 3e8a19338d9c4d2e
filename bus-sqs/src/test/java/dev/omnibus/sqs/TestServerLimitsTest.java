package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.testing.RunIds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Which of AWS's limits each test server enforces: the "limits" table of docs/sqs.md, "Test
 * servers", as assertions. Each probe is one call just past (or at) a limit, and its outcome is
 * "accepted" or "rejected: " and the SDK exception's class. Where a server is more lenient than AWS, the transport must
 * check the limit itself (it must anyway: AWS's limits are the contract), and a test that wants
 * to see the limit enforced must run on the server that enforces it.
 *
 * <p>Runs only against the servers the fixtures start themselves (ElasticMQ 1.7.1 in this JVM,
 * fauxqs 1.9.2): another server behind {@code OMNIBUS_SQS_ENDPOINT} or {@code OMNIBUS_SNS_ENDPOINT}
 * is skipped, since its table is its own.
 */
class TestServerLimitsTest {
    private final String prefix = "limits-" + RunIds.next() + "-";

    @Test
    void elasticMqWithStrictLimitsRejectsWhatSqsRejectsSaveTwelveHourVisibilityAndNamesTheBatchErrorDifferently() {
        Assumptions.assumeTrue(SqsFixture.embedded(), "the table is ElasticMQ 1.7.1's");
        Map<String, String> expected = new LinkedHashMap<>(AWS_SQS);
        expected.put("visibility timeout 43201 s", "accepted");
        expected.put("send batch of 2 x 600 KB (over 1 MiB in all)", "rejected: InvalidAttributeValueException"); // "MessageTooLong"
        expected.put("FIFO: messages of one group returned by one receive", "3");
        try {
            assertThat(sqsProbes(SqsFixture.client())).containsExactlyEntriesOf(expected);
        } finally {
            SqsFixture.deleteQueuesWithPrefix(prefix);
        }
    }

    @Test
    void fauxqsSqsAcceptsLongNamesElevenAttributesAndLongDelaysAndHandsOutOneMessageOfAGroupAtATime() {
        Assumptions.assumeTrue(SnsFixture.embedded(), "the table is fauxqs 1.9.2's");
        Map<String, String> expected = new LinkedHashMap<>(AWS_SQS);
        expected.put("queue name of 81 characters", "accepted");
        expected.put("11 message attributes", "accepted");
        expected.put("DelaySeconds 901", "accepted");
        expected.put("FIFO: messages of one group returned by one receive", "1");
        try {
            assertThat(sqsProbes(SnsFixture.sqs())).containsExactlyEntriesOf(expected);
        } finally {
            SnsFixture.deleteQueuesWithPrefix(prefix);
        }
    }

    @Test
    void fauxqsSnsChecksTheBodySizeAndFifoGroupButNotBatchLimitsAttributeSizesOrSubscriptionEndpoints() {
        Assumptions.assumeTrue(SnsFixture.embedded(), "the table is fauxqs 1.9.2's");
        SnsClient sns = SnsFixture.sns();
        SqsClient sqs = SnsFixture.sqs();
        Map<String, String> got = new LinkedHashMap<>();
        try {
            String topic = sns.createTopic(r -> r.name(prefix + "t")).topicArn();
            String fifoTopic = sns.createTopic(r -> r.name(prefix + "t.fifo").attributes(Map.of("FifoTopic", "true"))).topicArn();
            String fifoQueue = sqs.createQueue(r -> r.queueName(prefix + "q.fifo")
                    .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
            String fifoQueueArn = sqs.getQueueAttributes(r -> r.queueUrl(fifoQueue).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);

            got.put("publish of 256 KiB + 1", outcome(() -> sns.publish(r -> r.topicArn(topic).message("x".repeat(256 * 1024 + 1)))));
            got.put("publish of 262,000 B body + 1,000 B attribute", outcome(() -> sns.publish(r -> r.topicArn(topic)
                    .message("x".repeat(262_000)).messageAttributes(Map.of("big", snsString("y".repeat(1000)))))));
            got.put("publish with 11 attributes", outcome(() -> {
                Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> m = new HashMap<>();
                for (int i = 0; i < 11; i++) {
                    m.put("a" + i, snsString("v"));
                }
                sns.publish(r -> r.topicArn(topic).message("x").messageAttributes(m));
            }));
            got.put("publish batch of 11", outcome(() -> sns.publishBatch(r -> r.topicArn(topic).publishBatchRequestEntries(
                    publishEntries(11, "m")))));
            got.put("publish batch of 2 x 200 KB", outcome(() -> sns.publishBatch(r -> r.topicArn(topic).publishBatchRequestEntries(
                    publishEntries(2, "m".repeat(200_000))))));
            got.put("FIFO topic publish without a group", outcome(() -> sns.publish(r -> r.topicArn(fifoTopic).message("x"))));
            got.put("standard topic subscribing a FIFO queue", outcome(() -> sns.subscribe(r -> r.topicArn(topic)
                    .protocol("sqs").endpoint(fifoQueueArn))));
            got.put("subscribing a queue that does not exist", outcome(() -> sns.subscribe(r -> r.topicArn(topic)
                    .protocol("sqs").endpoint("arn:aws:sqs:us-east-1:000000000000:" + prefix + "missing"))));
            got.put("subscribing an HTTP endpoint", outcome(() -> sns.subscribe(r -> r.topicArn(topic)
                    .protocol("http").endpoint("http://127.0.0.1:9/never"))));

            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("publish of 256 KiB + 1", "rejected: InvalidParameterException");
            expected.put("publish of 262,000 B body + 1,000 B attribute", "accepted");    // AWS counts attributes too
            expected.put("publish with 11 attributes", "accepted");
            expected.put("publish batch of 11", "accepted");                                // AWS: 10 at most
            expected.put("publish batch of 2 x 200 KB", "accepted");                        // AWS: 256 KiB in all
            expected.put("FIFO topic publish without a group", "rejected: InvalidParameterException");
            expected.put("standard topic subscribing a FIFO queue", "accepted");            // AWS refuses it
            expected.put("subscribing a queue that does not exist", "accepted");            // delivery then drops
            expected.put("subscribing an HTTP endpoint", "accepted");                       // never delivered
            assertThat(got).containsExactlyEntriesOf(expected);
        } finally {
            SnsFixture.deleteTopicsWithPrefix(prefix);
            SnsFixture.deleteQueuesWithPrefix(prefix);
        }
    }

    /** What AWS SQS does with each probe (from its documented quotas). */
    private static final Map<String, String> AWS_SQS = new LinkedHashMap<>();

    static {
        AWS_SQS.put("queue name of 81 characters", "rejected");
        AWS_SQS.put("send batch of 11", "rejected: TooManyEntriesInBatchRequestException");
        AWS_SQS.put("delete batch of 11", "rejected: TooManyEntriesInBatchRequestException");
        AWS_SQS.put("11 message attributes", "rejected");
        AWS_SQS.put("body of 1 MiB", "accepted");
        AWS_SQS.put("body of 1 MiB + 1", "rejected");
        AWS_SQS.put("send batch of 2 x 600 KB (over 1 MiB in all)", "rejected: BatchRequestTooLongException");
        AWS_SQS.put("body with U+0001", "rejected");
        AWS_SQS.put("WaitTimeSeconds 21", "rejected");
        AWS_SQS.put("DelaySeconds 900", "accepted");
        AWS_SQS.put("DelaySeconds 901", "rejected");
        AWS_SQS.put("visibility timeout 43201 s", "rejected");
        AWS_SQS.put("FIFO: a second receive while the group's message is in flight", "0");
        AWS_SQS.put("FIFO: messages of one group returned by one receive", "3");
    }

    private Map<String, String> sqsProbes(SqsClient sqs) {
        String url = sqs.createQueue(r -> r.queueName(prefix + "q")).queueUrl();
        String fifo = sqs.createQueue(r -> r.queueName(prefix + "f.fifo")
                .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
        Map<String, String> got = new LinkedHashMap<>();
        got.put("queue name of 81 characters", outcome(() -> sqs.createQueue(r -> r.queueName(prefix + "n".repeat(81 - prefix.length())))));
        got.put("send batch of 11", outcome(() -> sqs.sendMessageBatch(r -> r.queueUrl(url).entries(sendEntries(11, "x")))));
        got.put("delete batch of 11", outcome(() -> {
            List<DeleteMessageBatchRequestEntry> d = new ArrayList<>();
            for (int i = 0; i < 11; i++) {
                d.add(DeleteMessageBatchRequestEntry.builder().id("d" + i).receiptHandle("h" + i).build());
            }
            sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(d));
        }));
        got.put("11 message attributes", outcome(() -> {
            Map<String, MessageAttributeValue> attributes = new HashMap<>();
            for (int i = 0; i < 11; i++) {
                attributes.put("a" + i, MessageAttributeValue.builder().dataType("String").stringValue("v").build());
            }
            sqs.sendMessage(r -> r.queueUrl(url).messageBody("x").messageAttributes(attributes));
        }));
        got.put("body of 1 MiB", outcome(() -> sqs.sendMessage(r -> r.queueUrl(url).messageBody("b".repeat(1024 * 1024)))));
        got.put("body of 1 MiB + 1", outcome(() -> sqs.sendMessage(r -> r.queueUrl(url).messageBody("b".repeat(1024 * 1024 + 1)))));
        got.put("send batch of 2 x 600 KB (over 1 MiB in all)",
                outcome(() -> sqs.sendMessageBatch(r -> r.queueUrl(url).entries(sendEntries(2, "c".repeat(600_000))))));
        got.put("body with U+0001", outcome(() -> sqs.sendMessage(r -> r.queueUrl(url).messageBody("bad \u0001"))));
        got.put("WaitTimeSeconds 21", outcome(() -> sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(21))));
        got.put("DelaySeconds 900", outcome(() -> sqs.sendMessage(r -> r.queueUrl(url).messageBody("d").delaySeconds(900))));
        got.put("DelaySeconds 901", outcome(() -> sqs.sendMessage(r -> r.queueUrl(url).messageBody("d").delaySeconds(901))));
        sqs.purgeQueue(r -> r.queueUrl(url));
        sqs.sendMessage(r -> r.queueUrl(url).messageBody("v"));
        Message m = sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(5)).messages().get(0);
        got.put("visibility timeout 43201 s", outcome(() -> sqs.changeMessageVisibility(r -> r.queueUrl(url)
                .receiptHandle(m.receiptHandle()).visibilityTimeout(43_201))));

        for (int i = 0; i < 3; i++) {
            int n = i;
            sqs.sendMessage(r -> r.queueUrl(fifo).messageBody("f" + n).messageGroupId("g").messageDeduplicationId("f" + n));
        }
        Message first = sqs.receiveMessage(r -> r.queueUrl(fifo).maxNumberOfMessages(1).waitTimeSeconds(5)).messages().get(0);
        got.put("FIFO: a second receive while the group's message is in flight", String.valueOf(
                sqs.receiveMessage(r -> r.queueUrl(fifo).maxNumberOfMessages(10).waitTimeSeconds(1)).messages().size()));
        sqs.deleteMessage(r -> r.queueUrl(fifo).receiptHandle(first.receiptHandle()));
        sqs.sendMessage(r -> r.queueUrl(fifo).messageBody("f3").messageGroupId("g").messageDeduplicationId("f3"));
        got.put("FIFO: messages of one group returned by one receive", String.valueOf(
                sqs.receiveMessage(r -> r.queueUrl(fifo).maxNumberOfMessages(10).waitTimeSeconds(1)).messages().size()));

        // the SDK's exception is checked where a transport would catch it (batch errors); elsewhere only "rejected"
        got.replaceAll((probe, outcome) -> AWS_SQS.getOrDefault(probe, "").equals("rejected") && outcome.startsWith("rejected")
                ? "rejected" : outcome);
        return got;
    }

    private static String outcome(Runnable call) {
        try {
            call.run();
            return "accepted";
        } catch (AwsServiceException e) {
            return "rejected: " + e.getClass().getSimpleName();
        }
    }

    private static List<SendMessageBatchRequestEntry> sendEntries(int n, String body) {
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            entries.add(SendMessageBatchRequestEntry.builder().id("e" + i).messageBody(body).build());
        }
        return entries;
    }

    private static List<PublishBatchRequestEntry> publishEntries(int n, String body) {
        List<PublishBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            entries.add(PublishBatchRequestEntry.builder().id("p" + i).message(body).build());
        }
        return entries;
    }

    private static software.amazon.awssdk.services.sns.model.MessageAttributeValue snsString(String value) {
        return software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }
}
