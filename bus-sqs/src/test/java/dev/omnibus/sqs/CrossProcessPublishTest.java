package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Bus;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fan-out across processes, which the former in-JVM routing table could not do: the endpoint is
 * declared by a bus in this JVM, and the messages are published by a bus in a child JVM
 * ({@link #main}) that declares no endpoint and shares no memory with this one. Only SNS (fauxqs,
 * {@link SnsFixture}) knows the subscription.
 */
class CrossProcessPublishTest {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(90);

    private final String prefix = "xp-" + RunIds.next() + "-";
    private final Await await = Await.atMost(Duration.ofSeconds(30));
    private Bus consumer;

    @AfterEach
    void cleanUp() {
        if (consumer != null) {
            consumer.close();
        }
        SnsFixture.deleteTopicsWithPrefix(prefix);
        SnsFixture.deleteQueuesWithPrefix(prefix);
    }

    @Test
    void aBusInAnotherProcessPublishesToAnEndpointOnlyThisProcessDeclared() throws Exception {
        Queue<String> billed = new ConcurrentLinkedQueue<>();
        consumer = Bus.builder().name("consumer").transport(transport(SnsFixture.endpoint().toString(), prefix))
                .receiveEndpoint("billing", e -> e.consumer(SnsFanOutTest.ParcelShipped.class,
                        ctx -> billed.add(ctx.message().id())))
                .start();

        Path log = Files.createTempFile("omnibus-cross-process-", ".log");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CrossProcessPublishTest.class.getName(), SnsFixture.endpoint().toString(), prefix, "p1", "p2", "p3")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean exited = child.waitFor(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        assertThat(exited).as("the publisher process ended within %s; its output:%n%s", CHILD_TIMEOUT, output).isTrue();
        assertThat(child.exitValue()).as("the publisher process's exit code; its output:%n%s", output).isZero();

        await.until("the three parcels published by the other process are billed", () -> billed.size() >= 3);
        consumer.publish(new SnsFanOutTest.ParcelShipped("marker")).join();
        await.until("a marker published after them is billed", () -> billed.contains("marker"));
        assertThat(billed).as("each message once").containsExactlyInAnyOrder("p1", "p2", "p3", "marker");
    }

    private static SqsTransport transport(String endpoint, String prefix) {
        return SqsTransport.builder().endpoint(endpoint).region("us-east-1").credentials(AwsTestClients.CREDENTIALS)
                .queuePrefix(prefix).waitTimeSeconds(1).build();
    }

    /** The publishing process: {@code endpoint prefix id...}; publishes a parcel per id, then exits. */
    public static void main(String[] args) throws IOException {
        try (Bus publisher = Bus.builder().name("publisher").transport(transport(args[0], args[1])).start()) {
            for (int i = 2; i < args.length; i++) {
                publisher.publish(new SnsFanOutTest.ParcelShipped(args[i])).join();
            }
        }
        System.exit(0);
    }
}
