package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Headers;
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
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The transport's SQS behaviour below the bus, against ElasticMQ ({@link SqsFixture}). */
class SqsTransportTest {
    private final String prefix = "st-" + RunIds.next() + "-";
    private final Await await = Await.atMost(Duration.ofSeconds(30));
    private SqsTransport transport;

    private SqsTransport start(SqsTransportBuilder b) {
        transport = b.endpoint(SqsFixture.endpoint().toString()).region("us-east-1")
                .credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix).waitTimeSeconds(1).build();
        transport.start(new TransportContext(BusClock.system(), "st"));
        return transport;
    }

    @AfterEach
    void cleanUp() {
        if (transport != null) {
            transport.close();
        }
        SqsFixture.deleteQueuesWithPrefix(prefix);
    }

    private static OutgoingMessage message(String id, byte[] body) {
        return new OutgoingMessage(body, Headers.of(Map.of(OutgoingMessage.MESSAGE_ID, id,
                OutgoingMessage.CONTENT_TYPE, "application/test")), null, null);
    }

    @Test
    void aConsumerSlowerThanTheVisibilityTimeoutHasItsMessageOnce() {
        SqsTransport t = start(SqsTransport.builder().visibilityTimeout(Duration.ofSeconds(2)));
        t.declareEndpoint(new EndpointTopology("slow", List.of(), false));
        Queue<Delivery> seen = new ConcurrentLinkedQueue<>();
        t.receive("slow", new ReceiveSettings(10), seen::add);
        t.send(Address.queue("slow"), message("m1", "one".getBytes(StandardCharsets.UTF_8))).join();
        await.until("the message arrives", () -> !seen.isEmpty());
        long held = System.nanoTime();
        // held unsettled for three visibility timeouts: the heartbeat keeps it invisible
        await.until("6 s pass with the message held", () -> System.nanoTime() - held > 6_000_000_000L);
        assertThat(seen).as("deliveries of a message held past its visibility timeout").hasSize(1);
        seen.peek().ack().toCompletableFuture().join();
        t.send(Address.queue("slow"), message("marker", "m".getBytes(StandardCharsets.UTF_8))).join();
        await.until("the marker arrives", () -> seen.stream().anyMatch(d -> "marker".equals(d.headers().get("MessageId"))));
        assertThat(seen).extracting(d -> d.headers().get("MessageId")).containsExactly("m1", "marker");
    }

    @Test
    void binaryBodyAndManyHeadersComeBackByteForByte() {
        SqsTransport t = start(SqsTransport.builder());
        t.declareEndpoint(new EndpointTopology("bin", List.of(), false));
        Queue<Delivery> seen = new ConcurrentLinkedQueue<>();
        t.receive("bin", new ReceiveSettings(10), seen::add);
        byte[] cbor = {(byte) 0xa1, 0x00, 0x01, (byte) 0xff, (byte) 0xfe};
        Headers h = message("b1", cbor).headers();
        for (int i = 0; i < 12; i++) {
            h = h.with("X-H" + i, "v" + i);
        }
        t.send(Address.queue("bin"), new OutgoingMessage(cbor, h, null, null)).join();
        await.until("the message arrives", () -> !seen.isEmpty());
        assertThat(seen.peek().body()).isEqualTo(cbor);
        assertThat(seen.peek().headers().asMap()).isEqualTo(h.asMap().entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().toString())));
        assertThat(seen.peek().deliveryCount()).isEqualTo(1);
    }

    @Test
    void requeueCountsDeliveriesAndDeadLetterMovesWithExtraHeaders() {
        SqsTransport t = start(SqsTransport.builder());
        t.declareEndpoint(new EndpointTopology("dl", List.of(), false));
        Queue<Delivery> seen = new ConcurrentLinkedQueue<>();
        Queue<Delivery> errors = new ConcurrentLinkedQueue<>();
        t.receive("dl", new ReceiveSettings(10), d -> {
            seen.add(d);
            if (d.deliveryCount() == 1) {
                d.requeue();
            } else {
                d.deadLetter(Delivery.DeadLetterQueue.ERROR, Headers.of("MT-Fault-Message", "boom"));
            }
        });
        t.receive("dl_error", new ReceiveSettings(10), errors::add);
        t.send(Address.queue("dl"), message("d1", "x".getBytes(StandardCharsets.UTF_8))).join();
        await.until("the message reaches dl_error", () -> !errors.isEmpty());
        assertThat(seen).extracting(Delivery::deliveryCount).containsExactly(1, 2);
        assertThat(errors.peek().headers().get("MT-Fault-Message")).isEqualTo("boom");
        assertThat(errors.peek().headers().get("MessageId")).isEqualTo("d1");
    }

    @Test
    void sendAllSizesItsBatchesSoSqsTakesTwoLargeAndManySmallMessages() {
        SqsTransport t = start(SqsTransport.builder());
        t.declareEndpoint(new EndpointTopology("many", List.of(), false));
        List<OutgoingMessage> out = new java.util.ArrayList<>();
        out.add(message("big-1", "b".repeat(600_000).getBytes(StandardCharsets.UTF_8)));
        out.add(message("big-2", "c".repeat(600_000).getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < 20; i++) {
            out.add(message("s" + i, ("small " + i).getBytes(StandardCharsets.UTF_8)));
        }
        List<java.util.concurrent.CompletableFuture<Void>> sent = t.sendAll(Address.queue("many"), out);
        java.util.concurrent.CompletableFuture.allOf(sent.toArray(java.util.concurrent.CompletableFuture[]::new)).join();
        Queue<Delivery> seen = new ConcurrentLinkedQueue<>();
        t.receive("many", new ReceiveSettings(10), d -> {
            seen.add(d);
            d.ack();
        });
        await.until("all 22 arrive", seen::size, n -> n == 22);
        assertThat(seen).extracting(d -> d.headers().get("MessageId")).doesNotHaveDuplicates().contains("big-1", "big-2");
    }

    @Test
    void aBodyOverOneMebibyteFailsBeforeTheCall() {
        SqsTransport t = start(SqsTransport.builder());
        byte[] big = new byte[1024 * 1024 + 1];
        java.util.Arrays.fill(big, (byte) 'a');
        assertThat(t.send(Address.queue("big"), message("b", big)))
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(TransportException.class)
                .withMessageContaining("over SQS's limit");
    }

    @Test
    void queuesAreCreatedWithValidNamesAndTheVisibilityTimeout() {
        SqsTransport t = start(SqsTransport.builder().visibilityTimeout(Duration.ofSeconds(45)));
        t.declareEndpoint(new EndpointTopology("Shop.Orders:placed", List.of(), false));
        String url = SqsFixture.client().getQueueUrl(b -> b.queueName(QueueNames.queueName(prefix, "Shop.Orders:placed")))
                .queueUrl();
        assertThat(SqsFixture.client().getQueueAttributes(b -> b.queueUrl(url)
                .attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT)).attributes())
                .containsEntry(QueueAttributeName.VISIBILITY_TIMEOUT, "45");
        assertThat(SqsFixture.client().listQueues(b -> b.queueNamePrefix(prefix)).queueUrls()).hasSize(3);
    }

    @Test
    void theReplyQueueIsDeletedAtClose() {
        SqsTransport t = start(SqsTransport.builder());
        t.declareEndpoint(new EndpointTopology("reply", List.of(), List.of(), EndpointTopology.Kind.REPLY));
        assertThat(SqsFixture.client().listQueues(b -> b.queueNamePrefix(prefix)).queueUrls()).hasSize(1);
        t.close();
        assertThat(SqsFixture.client().listQueues(b -> b.queueNamePrefix(prefix)).queueUrls()).isEmpty();
    }

}
