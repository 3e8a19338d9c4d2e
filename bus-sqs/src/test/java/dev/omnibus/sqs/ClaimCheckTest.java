package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.ConfigurationException;
import dev.omnibus.MessageType;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The S3 claim check against fauxqs ({@link SnsFixture}: SQS, SNS and S3 on one endpoint, S3
 * path-style): large bodies round-trip through S3, a sent message's object goes after its ack, a
 * published one's stays for the lifecycle rule, and without a claim check an oversized body fails
 * before any call.
 */
class ClaimCheckTest {
    /** A large message for the bus-level round trip. */
    public record Scan(String id, String pixels) {
    }

    private static final int THREE_MIB = 3 * 1024 * 1024;

    private final String prefix = "cc-" + RunIds.next() + "-";
    private final String bucket = prefix + "claims";
    private final Await await = Await.atMost(Duration.ofSeconds(30));
    private final java.util.Deque<AutoCloseable> open = new java.util.ArrayDeque<>(); // closed last-opened first

    @BeforeEach
    void bucket() {
        SnsFixture.s3().createBucket(r -> r.bucket(bucket));
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        SnsFixture.deleteTopicsWithPrefix(prefix);
        SnsFixture.deleteQueuesWithPrefix(prefix);
        SnsFixture.deleteBucketsWithPrefix(prefix);
    }

    private SqsTransportBuilder transport() {
        return SqsTransport.builder().endpoint(SnsFixture.endpoint().toString()).region("us-east-1")
                .credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix).waitTimeSeconds(1);
    }

    private SqsTransport start(SqsTransportBuilder b) {
        SqsTransport t = b.build();
        open.push(t);
        t.start(new TransportContext(BusClock.system(), "cc"));
        return t;
    }

    private List<String> objects() {
        return SnsFixture.s3().listObjectsV2(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).toList();
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    @Test
    void aThreeMebibyteSendRoundTripsAndItsObjectIsDeletedOnceTheMessageIsAcknowledged() {
        SqsTransport t = start(transport().claimCheck(bucket));
        t.declareEndpoint(new EndpointTopology("scans", List.of(), false));
        Queue<Delivery> seen = new ConcurrentLinkedQueue<>();
        t.receive("scans", new ReceiveSettings(10), seen::add);
        byte[] body = pattern(THREE_MIB);
        t.send(Address.queue("scans"), new OutgoingMessage(body, SnsFanOutTest.message("big", "").headers(), null, null)).join();

        await.until("the message arrives", () -> !seen.isEmpty());
        Delivery d = seen.peek();
        assertThat(d.body()).isEqualTo(body);
        assertThat(d.headers().get("MessageId")).isEqualTo("big");
        assertThat(d.headers().contains(ClaimCheck.HEADER)).as("the reference is the transport's, not the bus's").isFalse();
        assertThat(objects()).as("the object while its message is unsettled").singleElement()
                .satisfies(k -> assertThat(k).startsWith(prefix + "omnibus-claims/sent/"));
        d.ack().toCompletableFuture().join();
        assertThat(objects()).as("objects once the ack completed").isEmpty();
        assertThat(seen).hasSize(1);
    }

    @Test
    void aThreeMebibytePublishReachesTwoEndpointsThroughTheBusAndItsObjectIsLeftToTheLifecycleRule() {
        Queue<String> a = new ConcurrentLinkedQueue<>();
        Queue<String> b = new ConcurrentLinkedQueue<>();
        String pixels = new String(pattern(THREE_MIB), java.nio.charset.StandardCharsets.US_ASCII);
        Bus bus = Bus.builder().name("cc").transport(transport().claimCheck(bucket).build())
                .receiveEndpoint("archive", e -> e.consumer(Scan.class, ctx -> a.add(ctx.message().id() + ":"
                        + ctx.message().pixels().equals(pixels))))
                .receiveEndpoint("ocr", e -> e.consumer(Scan.class, ctx -> b.add(ctx.message().id() + ":"
                        + ctx.message().pixels().equals(pixels))))
                .start();
        open.push(bus);
        bus.publish(new Scan("s1", pixels)).join();
        await.until("both endpoints consumed it", () -> !a.isEmpty() && !b.isEmpty());
        assertThat(a).containsExactly("s1:true");
        assertThat(b).containsExactly("s1:true");
        assertThat(objects()).singleElement().satisfies(k -> assertThat(k).startsWith(prefix + "omnibus-claims/published/"));
    }

    @Test
    void withoutAClaimCheckAnOversizedSendFailsClearlyAndNothingIsSentOrStored() {
        CountingInterceptor calls = new CountingInterceptor();
        SqsAsyncClientHolder clients = new SqsAsyncClientHolder(calls);
        SqsTransport t = start(SqsTransport.builder().client(clients.sqs).snsClient(clients.sns).queuePrefix(prefix)
                .waitTimeSeconds(1));
        t.declareEndpoint(new EndpointTopology("plain", List.of(), false));
        CompletableFuture<Void> f = t.send(Address.queue("plain"), new OutgoingMessage(pattern(THREE_MIB),
                SnsFanOutTest.message("big", "").headers(), null, null));
        assertThat(f).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TransportException.class)
                .withMessageContaining("over SQS's limit of 1048576 bytes")
                .withMessageContaining("configure a claim check");
        assertThat(calls.sends()).as("SQS sends").isZero();
        String url = SnsFixture.sqs().getQueueUrl(r -> r.queueName(QueueNames.queueName(prefix, "plain"))).queueUrl();
        assertThat(SnsFixture.sqs().getQueueAttributes(r -> r.queueUrl(url)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes())
                .containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0");
        assertThat(objects()).isEmpty();
    }

    @Test
    void aBodyOverTheClaimChecksLimitFailsBeforeAnyCall() {
        CountingInterceptor calls = new CountingInterceptor();
        software.amazon.awssdk.services.s3.S3AsyncClient s3 = calls.s3(SnsFixture.endpoint());
        open.push(s3);
        SqsTransport t = start(transport().claimCheck(bucket).s3Client(s3).claimCheckMaxBodySize(2 * 1024 * 1024));
        String urn = "urn:message:test:Huge";
        CompletableFuture<Void> f = t.publish(new MessageType(urn, Object.class, Object.class, List.of(urn)),
                new OutgoingMessage(pattern(THREE_MIB), SnsFanOutTest.message("huge", "").headers(), null, null));
        assertThat(f).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TransportException.class)
                .withMessageContaining("over the claim check's limit of 2097152 bytes");
        assertThat(objects()).isEmpty();
        assertThat(calls.puts()).isZero();
    }

    @Test
    void aStoredBodyOverTheReadersLimitGoesToTheErrorQueueUnread() {
        SqsTransport sender = start(transport().claimCheck(bucket).claimCheckMaxBodySize(4 * 1024 * 1024));
        SqsTransport reader = start(transport().claimCheck(bucket).claimCheckMaxBodySize(2 * 1024 * 1024));
        reader.declareEndpoint(new EndpointTopology("small", List.of(), false));
        Queue<Delivery> handled = new ConcurrentLinkedQueue<>();
        reader.receive("small", new ReceiveSettings(10), handled::add);
        sender.send(Address.queue("small"), new OutgoingMessage(pattern(THREE_MIB), SnsFanOutTest.message("too-big", "")
                .headers(), null, null)).join();
        String errorUrl = SnsFixture.sqs().getQueueUrl(r -> r.queueName(QueueNames.queueName(prefix, "small_error")))
                .queueUrl();
        software.amazon.awssdk.services.sqs.model.Message copy = await.until("the message reaches small_error",
                () -> SnsFixture.sqs().receiveMessage(r -> r.queueUrl(errorUrl).waitTimeSeconds(1)
                        .messageAttributeNames("All")).messages(), l -> !l.isEmpty()).get(0);
        dev.omnibus.Headers headers = SqsWireFormat.decode(copy.body(), copy.messageAttributes()).headers();
        assertThat(headers.get("MT-Reason").toString()).contains("over the claim check's limit of 2097152 bytes: not read");
        assertThat(headers.get("MessageId")).isEqualTo("too-big");
        assertThat(handled).as("deliveries handed to the bus").isEmpty();
        assertThat(objects()).as("the object stays with the error copy").hasSize(1);
    }

    @Test
    void aMissingBucketFailsTheStartSayingWhatToFix() {
        SqsTransport t = transport().claimCheck(prefix + "nowhere").build();
        open.push(t);
        assertThatThrownBy(() -> t.start(new TransportContext(BusClock.system(), "cc")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("bucket '" + prefix + "nowhere' does not exist: create it");
    }

    @Test
    void aReferenceOutsideTheClaimChecksBucketGoesToTheErrorQueueUnfetched() {
        SqsTransport t = start(transport().claimCheck(bucket));
        t.declareEndpoint(new EndpointTopology("guarded", List.of(), false));
        Queue<Delivery> handled = new ConcurrentLinkedQueue<>();
        t.receive("guarded", new ReceiveSettings(10), handled::add);
        String url = SnsFixture.sqs().getQueueUrl(r -> r.queueName(QueueNames.queueName(prefix, "guarded"))).queueUrl();
        SnsFixture.sqs().sendMessage(r -> r.queueUrl(url).messageBody("{}").messageAttributes(Map.of(
                ClaimCheck.HEADER, MessageAttributeValue.builder().dataType("String")
                        .stringValue("s3://someone-elses-bucket/secrets").build(),
                "MessageId", MessageAttributeValue.builder().dataType("String").stringValue("evil").build())));
        // read the error queue raw: through the transport the copy's reference would be refused again
        String errorUrl = SnsFixture.sqs().getQueueUrl(r -> r.queueName(QueueNames.queueName(prefix, "guarded_error")))
                .queueUrl();
        software.amazon.awssdk.services.sqs.model.Message copy = await.until("the message reaches guarded_error",
                () -> SnsFixture.sqs().receiveMessage(r -> r.queueUrl(errorUrl).waitTimeSeconds(1)
                        .messageAttributeNames("All")).messages(), l -> !l.isEmpty()).get(0);
        dev.omnibus.Headers headers = SqsWireFormat.decode(copy.body(), copy.messageAttributes()).headers();
        assertThat(headers.get("MT-Reason").toString())
                .contains("s3://someone-elses-bucket/secrets", "not in this transport's bucket");
        assertThat(headers.get("MessageId")).isEqualTo("evil");
        assertThat(handled).as("deliveries handed to the bus").isEmpty();
    }

    /** An SQS and an SNS client counting their calls (closed with the test). */
    private final class SqsAsyncClientHolder {
        final software.amazon.awssdk.services.sqs.SqsAsyncClient sqs;
        final software.amazon.awssdk.services.sns.SnsAsyncClient sns;

        SqsAsyncClientHolder(CountingInterceptor calls) {
            sqs = calls.sqs(SnsFixture.endpoint());
            sns = calls.sns(SnsFixture.endpoint());
            open.push(sqs);
            open.push(sns);
        }
    }
}
