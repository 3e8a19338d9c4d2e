package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Bus;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sns.model.Subscription;
import software.amazon.awssdk.services.sns.model.Topic;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Publishing through SNS, against fauxqs ({@link SnsFixture}): fan-out across transport instances,
 * polymorphic consumers, the topology SNS holds, {@code PublishBatch} sizing and the 256 KiB limit.
 */
class SnsFanOutTest {
    /** Shipped things; an endpoint consuming the interface subscribes to each record's topic. */
    public interface Shipped {
        String id();
    }

    public record ParcelShipped(String id) implements Shipped {
    }

    public record LetterShipped(String id) implements Shipped {
    }

    private final String prefix = "fo-" + RunIds.next() + "-";
    private final Await await = Await.atMost(Duration.ofSeconds(30));
    private final java.util.Deque<AutoCloseable> open = new java.util.ArrayDeque<>(); // closed last-opened first

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        SnsFixture.deleteTopicsWithPrefix(prefix);
        SnsFixture.deleteQueuesWithPrefix(prefix);
    }

    private SqsTransportBuilder transport() {
        return SqsTransport.builder().endpoint(SnsFixture.endpoint().toString()).region("us-east-1")
                .credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix).waitTimeSeconds(1);
    }

    private <T extends AutoCloseable> T opened(T c) {
        open.push(c);
        return c;
    }

    @Test
    void aPublishedEnvelopeNamesTheTypesTopicAsItsDestination() {
        Queue<String> destinations = new ConcurrentLinkedQueue<>();
        Bus bus = opened(Bus.builder().name("addressed").transport(transport().build())
                .receiveEndpoint("labels", e -> e.consumer(LetterShipped.class,
                        ctx -> destinations.add(String.valueOf(ctx.envelope().destinationAddress()))))
                .start());
        bus.publish(new LetterShipped("l1")).join();
        await.until("the letter is consumed", () -> !destinations.isEmpty());
        String topic = SnsTopology.topicName(prefix, MessageTypeRegistry.urnOf(LetterShipped.class));
        assertThat(destinations.peek()).as("destinationAddress").isNotEqualTo("null");
        assertThat(java.net.URI.create(destinations.peek())).hasScheme("sqs").hasPath("/" + topic).hasQuery("type=topic");
        assertThat(topic).startsWith(prefix).contains("SnsFanOutTest-LetterShipped");
    }

    @Test
    void aPublishReachesAnEndpointThatOnlyAnotherTransportInstanceDeclared() {
        Queue<String> billed = new ConcurrentLinkedQueue<>();
        // the consuming side: its own transport and bus
        opened(Bus.builder().name("consumer").transport(transport().build())
                .receiveEndpoint("billing", e -> e.consumer(ParcelShipped.class, ctx -> billed.add(ctx.message().id())))
                .start());
        // the publishing side: another transport instance that declares no endpoint and knows of none
        Bus publisher = opened(Bus.builder().name("publisher").transport(transport().build()).start());

        publisher.publish(new ParcelShipped("p1")).join();
        publisher.publish(new ParcelShipped("p2")).join();

        await.until("both parcels are billed", () -> billed.size() >= 2);
        publisher.publish(new ParcelShipped("marker")).join();
        await.until("the marker published after them is billed", () -> billed.contains("marker"));
        assertThat(billed).as("each published message once").containsExactlyInAnyOrder("p1", "p2", "marker");
    }

    @Test
    void aConsumerOfAnInterfaceGetsEveryRegisteredRecordOnceThroughSubscriptionsSnsHolds() {
        Queue<String> audit = new ConcurrentLinkedQueue<>();
        Queue<String> parcels = new ConcurrentLinkedQueue<>();
        Bus bus = opened(Bus.builder().name("poly").transport(transport().build())
                .messageType(ParcelShipped.class).messageType(LetterShipped.class)
                .receiveEndpoint("audit", e -> e.consumer(Shipped.class, ctx -> audit.add(ctx.message().id())))
                .receiveEndpoint("parcels", e -> e.consumer(ParcelShipped.class, ctx -> parcels.add(ctx.message().id())))
                .start());

        bus.publish(new ParcelShipped("p1")).join();
        bus.publish(new LetterShipped("l1")).join();
        await.until("audit has both", () -> audit.size() >= 2);
        bus.publish(new ParcelShipped("p-marker")).join();
        await.until("the marker reached both endpoints", () -> audit.contains("p-marker") && parcels.contains("p-marker"));
        assertThat(audit).containsExactlyInAnyOrder("p1", "l1", "p-marker");
        assertThat(parcels).containsExactlyInAnyOrder("p1", "p-marker");

        // the topology is SNS's: a topic per record type, each endpoint queue subscribed with raw delivery
        String parcelTopic = SnsTopology.topicName(prefix, MessageTypeRegistry.urnOf(ParcelShipped.class));
        String letterTopic = SnsTopology.topicName(prefix, MessageTypeRegistry.urnOf(LetterShipped.class));
        Map<String, String> topics = SnsFixture.sns().listTopicsPaginator(r -> { }).topics().stream().map(Topic::topicArn)
                .filter(a -> a.substring(a.lastIndexOf(':') + 1).startsWith(prefix))
                .collect(Collectors.toMap(a -> a.substring(a.lastIndexOf(':') + 1), a -> a));
        assertThat(topics.keySet()).containsExactlyInAnyOrder(parcelTopic, letterTopic);
        assertThat(parcelTopic).matches("[A-Za-z0-9_-]{1,256}").startsWith(prefix);
        String auditArn = queueArn(QueueNames.queueName(prefix, "audit"));
        String parcelsArn = queueArn(QueueNames.queueName(prefix, "parcels"));
        assertThat(endpointsOf(topics.get(parcelTopic))).containsExactlyInAnyOrder(auditArn, parcelsArn);
        assertThat(endpointsOf(topics.get(letterTopic))).containsExactly(auditArn);
        for (String topic : topics.values()) {
            for (Subscription s : SnsFixture.sns().listSubscriptionsByTopic(r -> r.topicArn(topic)).subscriptions()) {
                assertThat(SnsFixture.sns().getSubscriptionAttributes(r -> r.subscriptionArn(s.subscriptionArn()))
                        .attributes()).containsEntry("RawMessageDelivery", "true");
            }
        }
        String url = SnsFixture.sqs().getQueueUrl(r -> r.queueName(QueueNames.queueName(prefix, "audit"))).queueUrl();
        String policy = SnsFixture.sqs().getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.POLICY))
                .attributes().get(QueueAttributeName.POLICY);
        String topicArnPrefix = topics.get(parcelTopic).substring(0, topics.get(parcelTopic).lastIndexOf(':') + 1) + prefix + "*";
        assertThat(policy).contains("\"Service\":\"sns.amazonaws.com\"", "\"Action\":\"sqs:SendMessage\"",
                "\"Resource\":\"" + auditArn + "\"", "\"ArnLike\":{\"aws:SourceArn\":\"" + topicArnPrefix + "\"}");
    }

    @Test
    void aPublishOfATypeNobodyConsumesCreatesItsTopicOnceAndIsConfirmed() {
        CountingInterceptor calls = new CountingInterceptor();
        SqsTransport t = startTransport(transport().snsClient(opened(calls.sns(SnsFixture.endpoint()))));
        String urn = "urn:message:test:Unheard";
        MessageType type = new MessageType(urn, Object.class, Object.class, List.of(urn));
        t.publish(type, message("u1", "one")).join();
        t.publish(type, message("u2", "two")).join();
        assertThat(SnsFixture.sns().listTopicsPaginator(r -> { }).topics()).extracting(Topic::topicArn)
                .filteredOn(a -> a.endsWith(":" + SnsTopology.topicName(prefix, urn))).hasSize(1);
        assertThat(calls.creates()).as("CreateTopic calls for two publishes").isEqualTo(1);
        assertThat(calls.publishes()).isEqualTo(2);
    }

    @Test
    void publishAllSizesEachPublishBatchBeforeAddingAnEntryAndEveryMessageArrivesOnce() {
        CountingInterceptor calls = new CountingInterceptor();
        SqsTransport t = startTransport(transport().snsClient(opened(calls.sns(SnsFixture.endpoint()))));
        String urn = "urn:message:test:Batch";
        t.declareEndpoint(new EndpointTopology("batched", List.of(urn), false));
        List<OutgoingMessage> out = new ArrayList<>();
        out.add(message("big-1", "b".repeat(200_000)));
        out.add(message("big-2", "c".repeat(200_000)));
        for (int i = 0; i < 20; i++) {
            out.add(message("s" + i, "small " + i));
        }
        List<CompletableFuture<Void>> sent = t.publishAll(new MessageType(urn, Object.class, Object.class, List.of(urn)), out);
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();

        Queue<Delivery> seen = new ConcurrentLinkedQueue<>();
        t.receive("batched", new ReceiveSettings(10), d -> {
            seen.add(d);
            d.ack();
        });
        await.until("all 22 arrive", seen::size, n -> n == 22);
        assertThat(seen).extracting(d -> d.headers().get("MessageId")).doesNotHaveDuplicates();
        assertThat(calls.publishBatches()).as("PublishBatch calls (entries, bytes)").isNotEmpty().allSatisfy(b -> {
            assertThat(b.entries()).isBetween(1, 10);
            assertThat(b.bytes()).isLessThanOrEqualTo(256 * 1024);
        });
        assertThat(calls.publishBatches().stream().mapToInt(CountingInterceptor.Batch::entries).sum()).isEqualTo(22);
        assertThat(calls.publishBatches()).hasSizeLessThanOrEqualTo(4); // 22 entries: 3 by count, 1 more for the 2 large
    }

    @Test
    void aPublishOver256KibWithoutAClaimCheckFailsBeforeAnyCall() {
        CountingInterceptor calls = new CountingInterceptor();
        SqsTransport t = startTransport(transport().snsClient(opened(calls.sns(SnsFixture.endpoint()))));
        String urn = "urn:message:test:Big";
        t.declareEndpoint(new EndpointTopology("big", List.of(urn), false));
        int before = calls.publishes();
        CompletableFuture<Void> f = t.publish(new MessageType(urn, Object.class, Object.class, List.of(urn)),
                message("b", "x".repeat(256 * 1024)));
        assertThat(f).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TransportException.class)
                .withMessageContaining("over SNS's limit of 262144 bytes")
                .withMessageContaining("claimCheck");
        assertThat(calls.publishes() - before).as("SNS publish calls made").isZero();
        String url = SnsFixture.sqs().getQueueUrl(r -> r.queueName(QueueNames.queueName(prefix, "big"))).queueUrl();
        assertThat(SnsFixture.sqs().receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(1)).messages()).isEmpty();
    }

    @Test
    void aBinaryBodyAndTwelveHeadersArriveUnchangedThroughSnsInTenAttributes() {
        CountingInterceptor calls = new CountingInterceptor();
        SqsTransport t = startTransport(transport().snsClient(opened(calls.sns(SnsFixture.endpoint()))));
        String urn = "urn:message:test:Bin";
        t.declareEndpoint(new EndpointTopology("bin", List.of(urn), false));
        Queue<Delivery> seen = new ConcurrentLinkedQueue<>();
        t.receive("bin", new ReceiveSettings(10), seen::add);
        byte[] cbor = {(byte) 0xa1, 0x00, 0x01, (byte) 0xff, (byte) 0xfe};
        Headers h = message("b1", "").headers();
        for (int i = 0; i < 12; i++) {
            h = h.with("X-H" + i, "v" + i);
        }
        t.publish(new MessageType(urn, Object.class, Object.class, List.of(urn)), new OutgoingMessage(cbor, h, null, null)).join();
        await.until("the message arrives", () -> !seen.isEmpty());
        assertThat(calls.publishAttributes()).as("attributes of the publish (AWS discards a raw delivery of more than 10)")
                .containsExactly(10);
        assertThat(seen.peek().body()).isEqualTo(cbor);
        assertThat(seen.peek().headers().asMap()).isEqualTo(h.asMap().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().toString())));
    }

    private SqsTransport startTransport(SqsTransportBuilder b) {
        SqsTransport t = opened(b.build());
        t.start(new TransportContext(BusClock.system(), "fo"));
        return t;
    }

    private static String queueArn(String queueName) {
        String url = SnsFixture.sqs().getQueueUrl(r -> r.queueName(queueName)).queueUrl();
        return SnsFixture.sqs().getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    private static List<String> endpointsOf(String topicArn) {
        return SnsFixture.sns().listSubscriptionsByTopic(r -> r.topicArn(topicArn)).subscriptions().stream()
                .map(Subscription::endpoint).toList();
    }

    static OutgoingMessage message(String id, String body) {
        return new OutgoingMessage(body.getBytes(StandardCharsets.UTF_8), Headers.of(Map.of(OutgoingMessage.MESSAGE_ID, id,
                OutgoingMessage.CONTENT_TYPE, "application/test")), null, null);
    }
}
