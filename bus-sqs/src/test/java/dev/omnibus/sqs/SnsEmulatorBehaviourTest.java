package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.SnsException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * What the SNS/SQS/S3 emulator ({@link SnsFixture}: fauxqs 1.9.2 unless {@code OMNIBUS_SNS_ENDPOINT}
 * is set) honours, checked with the raw SDK: each test is one row of the table in docs/sqs.md,
 * "Test servers". When a newer emulator changes a row, its test says which.
 */
class SnsEmulatorBehaviourTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String prefix = "sns-" + RunIds.next() + "-";

    @AfterEach
    void cleanUp() {
        SnsFixture.deleteTopicsWithPrefix(prefix);
        SnsFixture.deleteQueuesWithPrefix(prefix);
        SnsFixture.deleteBucketsWithPrefix(prefix);
    }

    @Test
    void aPublishWithAttributesReachesEachSubscribedQueueOnceInAnSnsEnvelope() throws Exception {
        SnsClient sns = SnsFixture.sns();
        String topic = sns.createTopic(r -> r.name(prefix + "orders")).topicArn();
        Queue a = queue("a", Map.of());
        Queue b = queue("b", Map.of());
        subscribe(topic, a, Map.of());
        subscribe(topic, b, Map.of());

        String id = sns.publish(r -> r.topicArn(topic).message("{\"order\":1}").messageAttributes(Map.of(
                "kind", snsAttribute("String", "order"),
                "seq", snsAttribute("Number", "7")))).messageId();

        for (Queue q : List.of(a, b)) {
            List<Message> got = receive(q, 1);
            assertThat(got).hasSize(1);
            JsonNode envelope = JSON.readTree(got.get(0).body());
            assertThat(envelope.path("Type").asText()).isEqualTo("Notification");
            assertThat(envelope.path("MessageId").asText()).isEqualTo(id);
            assertThat(envelope.path("TopicArn").asText()).isEqualTo(topic);
            assertThat(envelope.path("Message").asText()).isEqualTo("{\"order\":1}");
            assertThat(envelope.path("MessageAttributes").path("kind").path("Type").asText()).isEqualTo("String");
            assertThat(envelope.path("MessageAttributes").path("kind").path("Value").asText()).isEqualTo("order");
            assertThat(envelope.path("MessageAttributes").path("seq").path("Type").asText()).isEqualTo("Number");
            assertThat(envelope.path("MessageAttributes").path("seq").path("Value").asText()).isEqualTo("7");
        }
    }

    @Test
    void rawMessageDeliveryGivesTheBodyAndTheAttributesAsSqsMessageAttributes() {
        SnsClient sns = SnsFixture.sns();
        String topic = sns.createTopic(r -> r.name(prefix + "raw")).topicArn();
        Queue q = queue("raw", Map.of());
        subscribe(topic, q, Map.of("RawMessageDelivery", "true"));

        sns.publish(r -> r.topicArn(topic).message("plain body").messageAttributes(Map.of(
                "kind", snsAttribute("String", "order"),
                "seq", snsAttribute("Number", "7"))));

        List<Message> got = receive(q, 1);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).body()).isEqualTo("plain body");
        assertThat(got.get(0).messageAttributes().get("kind").stringValue()).isEqualTo("order");
        assertThat(got.get(0).messageAttributes().get("seq").dataType()).isEqualTo("Number");
        assertThat(got.get(0).messageAttributes().get("seq").stringValue()).isEqualTo("7");
    }

    @Test
    void rawDeliveryOfElevenAttributesPassesAllElevenWhereAwsDiscardsTheMessage() {
        // AWS: "Messages with more than 10 message attributes directed towards Raw Message Delivery enabled
        // Amazon SQS subscriptions will be discarded as client side errors." The transport sends 10 at most.
        SnsClient sns = SnsFixture.sns();
        String topic = sns.createTopic(r -> r.name(prefix + "eleven")).topicArn();
        Queue q = queue("eleven", Map.of());
        subscribe(topic, q, Map.of("RawMessageDelivery", "true"));
        Map<String, software.amazon.awssdk.services.sns.model.MessageAttributeValue> attributes = new java.util.HashMap<>();
        for (int i = 0; i < 11; i++) {
            attributes.put("a" + i, snsAttribute("String", "v" + i));
        }
        sns.publish(r -> r.topicArn(topic).message("eleven").messageAttributes(attributes));
        assertThat(receive(q, 1)).singleElement().satisfies(m -> assertThat(m.messageAttributes()).hasSize(11));
    }

    @Test
    void subscribingAgainWithTheSameAttributesGivesTheSameSubscriptionAndWithOthersIsRefused() {
        SnsClient sns = SnsFixture.sns();
        String topic = sns.createTopic(r -> r.name(prefix + "again")).topicArn();
        Queue q = queue("again", Map.of());
        String first = sns.subscribe(r -> r.topicArn(topic).protocol("sqs").endpoint(q.arn())
                .attributes(Map.of("RawMessageDelivery", "true")).returnSubscriptionArn(true)).subscriptionArn();
        String second = sns.subscribe(r -> r.topicArn(topic).protocol("sqs").endpoint(q.arn())
                .attributes(Map.of("RawMessageDelivery", "true")).returnSubscriptionArn(true)).subscriptionArn();
        assertThat(second).isEqualTo(first);
        assertThatThrownBy(() -> sns.subscribe(r -> r.topicArn(topic).protocol("sqs").endpoint(q.arn())
                .attributes(Map.of("RawMessageDelivery", "false")))).isInstanceOf(SnsException.class);
        sns.publish(r -> r.topicArn(topic).message("once"));
        assertThat(receive(q, 1)).extracting(Message::body).containsExactly("once");
    }

    @Test
    void aQueuePolicyIsStoredButNotEnforced() {
        SnsClient sns = SnsFixture.sns();
        String topic = sns.createTopic(r -> r.name(prefix + "policed")).topicArn();
        Queue q = queue("policed", Map.of());
        String denyAll = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\","
                + "\"Action\":\"sqs:SendMessage\",\"Resource\":\"" + q.arn() + "\"}]}";
        SnsFixture.sqs().setQueueAttributes(r -> r.queueUrl(q.url()).attributes(Map.of(QueueAttributeName.POLICY, denyAll)));
        assertThat(SnsFixture.sqs().getQueueAttributes(r -> r.queueUrl(q.url()).attributeNames(QueueAttributeName.POLICY))
                .attributes()).containsEntry(QueueAttributeName.POLICY, denyAll);
        subscribe(topic, q, Map.of("RawMessageDelivery", "true"));
        sns.publish(r -> r.topicArn(topic).message("delivered anyway"));
        assertThat(receive(q, 1)).extracting(Message::body).containsExactly("delivered anyway");
    }

    @Test
    void s3HonoursARangedGet() {
        String bucket = prefix + "ranged";
        SnsFixture.s3().createBucket(r -> r.bucket(bucket));
        SnsFixture.s3().putObject(r -> r.bucket(bucket).key("k"), RequestBody.fromBytes(new byte[1000]));
        assertThat(SnsFixture.s3().getObjectAsBytes(r -> r.bucket(bucket).key("k").range("bytes=0-99")).asByteArray())
                .hasSize(100);
    }

    @Test
    void filterPoliciesOnAttributesAndOnTheBodySelectWhatAQueueGets() {
        SnsClient sns = SnsFixture.sns();
        String topic = sns.createTopic(r -> r.name(prefix + "filtered")).topicArn();
        Queue all = queue("all", Map.of());
        Queue orders = queue("orders", Map.of());
        Queue big = queue("big", Map.of());
        subscribe(topic, all, Map.of("RawMessageDelivery", "true"));
        subscribe(topic, orders, Map.of("RawMessageDelivery", "true", "FilterPolicy", "{\"kind\":[\"order\"]}"));
        subscribe(topic, big, Map.of("RawMessageDelivery", "true", "FilterPolicyScope", "MessageBody",
                "FilterPolicy", "{\"total\":[{\"numeric\":[\">\",100]}]}"));

        sns.publish(r -> r.topicArn(topic).message("{\"total\":500}").messageAttributes(Map.of("kind", snsAttribute("String", "order"))));
        sns.publish(r -> r.topicArn(topic).message("{\"total\":5}").messageAttributes(Map.of("kind", snsAttribute("String", "invoice"))));
        sns.publish(r -> r.topicArn(topic).message("{\"total\":50}"));

        assertThat(receive(all, 3)).extracting(Message::body)
                .containsExactlyInAnyOrder("{\"total\":500}", "{\"total\":5}", "{\"total\":50}");
        assertThat(receive(orders, 1)).extracting(Message::body).containsExactly("{\"total\":500}");
        assertThat(receive(big, 1)).extracting(Message::body).containsExactly("{\"total\":500}");
    }

    @Test
    void aFifoTopicKeepsGroupOrderDropsDuplicatesAndPassesTheGroupToAFifoQueue() {
        SnsClient sns = SnsFixture.sns();
        String topic = sns.createTopic(r -> r.name(prefix + "events.fifo").attributes(Map.of("FifoTopic", "true"))).topicArn();
        Queue q = queue("events.fifo", Map.of(QueueAttributeName.FIFO_QUEUE, "true"));
        subscribe(topic, q, Map.of("RawMessageDelivery", "true"));

        for (int i = 0; i < 5; i++) {
            int n = i;
            sns.publish(r -> r.topicArn(topic).message("m" + n).messageGroupId("g1").messageDeduplicationId("d" + n));
        }
        sns.publish(r -> r.topicArn(topic).message("m2 again").messageGroupId("g1").messageDeduplicationId("d2"));

        List<Message> got = receive(q, 5);
        assertThat(got).extracting(Message::body).containsExactly("m0", "m1", "m2", "m3", "m4");
        assertThat(got.get(0).attributes()).containsEntry(MessageSystemAttributeName.MESSAGE_GROUP_ID, "g1");
    }

    @Test
    void aPublishOver256KibIsRefused() {
        SnsClient sns = SnsFixture.sns();
        String topic = sns.createTopic(r -> r.name(prefix + "big")).topicArn();
        Queue q = queue("big", Map.of());
        subscribe(topic, q, Map.of("RawMessageDelivery", "true"));

        sns.publish(r -> r.topicArn(topic).message("x".repeat(256 * 1024)));
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(topic).message("x".repeat(256 * 1024 + 1))))
                .isInstanceOf(SnsException.class);
        assertThat(receive(q, 1)).singleElement().satisfies(m -> assertThat(m.body()).hasSize(256 * 1024));
    }

    @Test
    void aTopicCannotDeliverToAQueueOfAnotherServer() {
        // ElasticMQ's queue, subscribed by its ARN: the emulator looks the ARN up in its own SQS only.
        SqsClient elastic = SqsFixture.client();
        String url = elastic.createQueue(r -> r.queueName(prefix + "elsewhere")).queueUrl();
        try {
            String arn = elastic.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            SnsClient sns = SnsFixture.sns();
            String topic = sns.createTopic(r -> r.name(prefix + "cross")).topicArn();
            sns.subscribe(r -> r.topicArn(topic).protocol("sqs").endpoint(arn)); // accepted ...
            sns.publish(r -> r.topicArn(topic).message("lost"));
            // ... and the message is dropped silently
            assertThat(elastic.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(1)).messages()).isEmpty();
        } finally {
            SqsFixture.deleteQueuesWithPrefix(prefix);
        }
    }

    @Test
    void s3PutAndGetRoundTripAClaimCheckSizedObject() {
        String bucket = prefix + "claims";
        SnsFixture.s3().createBucket(r -> r.bucket(bucket));
        byte[] body = new byte[2 * 1024 * 1024 + 17];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        SnsFixture.s3().putObject(r -> r.bucket(bucket).key("bodies/a/1").contentType("application/json")
                .metadata(Map.of("message-id", "1")), RequestBody.fromBytes(body));

        ResponseBytes<GetObjectResponse> got = SnsFixture.s3().getObjectAsBytes(r -> r.bucket(bucket).key("bodies/a/1"));
        assertThat(got.asByteArray()).isEqualTo(body);
        assertThat(got.response().contentType()).isEqualTo("application/json");
        assertThat(got.response().metadata()).containsEntry("message-id", "1");
        SnsFixture.s3().deleteObject(r -> r.bucket(bucket).key("bodies/a/1"));
        assertThat(SnsFixture.s3().listObjectsV2(r -> r.bucket(bucket)).contents()).isEmpty();
    }

    private record Queue(String url, String arn) {
    }

    private Queue queue(String name, Map<QueueAttributeName, String> attributes) {
        SqsClient sqs = SnsFixture.sqs();
        String url = sqs.createQueue(r -> r.queueName(prefix + name).attributes(attributes)).queueUrl();
        String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        return new Queue(url, arn);
    }

    private static void subscribe(String topicArn, Queue q, Map<String, String> attributes) {
        SnsFixture.sns().subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(q.arn()).attributes(attributes));
    }

    private static software.amazon.awssdk.services.sns.model.MessageAttributeValue snsAttribute(String type, String value) {
        return software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder().dataType(type).stringValue(value).build();
    }

    /**
     * Receives (and deletes) until {@code expected} messages arrived or {@link #WAIT} passed, then
     * once more with a 1 s long poll, so a message past the expected count shows up as one.
     */
    private static List<Message> receive(Queue q, int expected) {
        SqsClient sqs = SnsFixture.sqs();
        List<Message> got = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        boolean extraPoll = false;
        while (true) {
            boolean done = got.size() >= expected || System.nanoTime() > deadline;
            if (done && extraPoll) {
                return got;
            }
            extraPoll = done;
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(q.url()).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            for (Message m : batch) {
                got.add(m);
                sqs.deleteMessage(r -> r.queueUrl(q.url()).receiptHandle(m.receiptHandle()));
            }
        }
    }
}
