package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.ChildJvm;
import dev.omnibus.testing.RunIds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer JVM killed with SIGKILL in the middle of a message: the message comes back to another
 * consumer after the lease, not before.
 *
 * <p>The first consumer is a child JVM ({@link ConsumerMain}, same classpath) running a bus on the
 * SQS transport (visibility timeout {@value #VISIBILITY_SECONDS} s, the heartbeat extending it every
 * half of that) whose consumer writes "started" to a file and then never returns. The test waits
 * until the child holds the message, starts a second consumer in this JVM, lets the child hold the
 * message for three visibility timeouts (the second consumer must not get it: the heartbeat keeps the
 * lease), SIGKILLs the child (exit 137, its shutdown hook never ran), and measures when the second
 * consumer receives it: at least half a visibility timeout after the kill (the last extension was at
 * most one beat before it), at most a visibility timeout plus a margin for the long poll.
 */
class SqsCrashTest {
    private static final Logger LOG = LoggerFactory.getLogger(SqsCrashTest.class);
    static final String ENDPOINT = "work";
    static final int VISIBILITY_SECONDS = 4;

    record Job(String id) {
    }

    private final String prefix = "cr-" + RunIds.next() + "-";
    private final List<ChildJvm> children = new ArrayList<>();
    private final List<Bus> buses = new ArrayList<>();
    private Path dir;

    @AfterEach
    void cleanUp() throws Exception {
        for (ChildJvm c : children) {
            try {
                c.close(); // SIGKILL if still running
            } catch (IllegalStateException e) {
                LOG.warn("{}", e.getMessage());
            }
        }
        buses.forEach(Bus::close);
        SqsFixture.deleteQueuesWithPrefix(prefix);
        if (dir != null) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static SqsTransport transport(String endpoint, String prefix) {
        return SqsTransport.builder().withoutSns().endpoint(endpoint).region(AwsTestClients.REGION.id())
                .credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix).waitTimeSeconds(1)
                .visibilityTimeout(Duration.ofSeconds(VISIBILITY_SECONDS)).build();
    }

    @Test
    void aConsumerKilledMidMessageHasItRedeliveredToAnotherAfterTheLeaseNotBefore() throws Exception {
        String endpoint = SqsFixture.endpoint().toString();
        dir = Files.createTempDirectory("omnibus-sqs-crash-");
        Path effects = dir.resolve("child.effects");
        Path marker = dir.resolve("child.shutdown-hook-ran");
        Path log = dir.resolve("child.log");
        Bus producer = Bus.builder().transport(transport(endpoint, prefix)).name("cr-producer").start();
        buses.add(producer);
        producer.send(Address.queue(ENDPOINT), new Job("j1")).join();

        ChildJvm child = ChildJvm.start(ConsumerMain.class, log, endpoint, prefix, effects.toString(), marker.toString());
        children.add(child);
        Await.atMost(Duration.ofSeconds(60)).pollingEvery(Duration.ofMillis(10)).until("the child holds the message",
                () -> child.checkAlive() && read(effects).contains("started j1"));

        Queue<Long> secondGot = new ConcurrentLinkedQueue<>();
        Bus second = Bus.builder().transport(transport(endpoint, prefix)).name("cr-second")
                .receiveEndpoint(ENDPOINT, e -> e.handler(Job.class, ctx -> {
                    secondGot.add(System.nanoTime());
                }))
                .start();
        buses.add(second);
        long heldSince = System.nanoTime();
        Duration held = Duration.ofSeconds(3L * VISIBILITY_SECONDS);
        Await.atMost(held.plusSeconds(10)).until("the child held it for three visibility timeouts",
                () -> System.nanoTime() - heldSince >= held.toNanos() || !secondGot.isEmpty());
        assertThat(secondGot).as("deliveries to the second consumer while the child, alive, held the message").isEmpty();
        assertThat(child.checkAlive()).isTrue();

        long killed = System.nanoTime();
        assertThat(child.kill()).as("exit code (137: SIGKILL)").isEqualTo(ChildJvm.SIGKILL_EXIT);
        assertThat(marker).as("the marker the child writes only in a shutdown hook").doesNotExist();

        Await.atMost(Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(10))
                .until("the second consumer gets the message", () -> !secondGot.isEmpty());
        long afterMillis = TimeUnit.NANOSECONDS.toMillis(secondGot.peek() - killed);
        LOG.info("redelivered to the second consumer {} ms after the SIGKILL (visibility timeout {} s)", afterMillis,
                VISIBILITY_SECONDS);
        assertThat(afterMillis).as("ms from the kill to the redelivery")
                .isGreaterThanOrEqualTo(VISIBILITY_SECONDS * 1000L / 2 - 200)
                .isLessThanOrEqualTo(VISIBILITY_SECONDS * 1000L + 3000);
        Await.atMost(Duration.ofSeconds(30)).until("the message is gone from SQS", () -> SqsFixture.client()
                .getQueueAttributes(b -> b.queueUrl(SqsFixture.client().getQueueUrl(q -> q.queueName(prefix + ENDPOINT))
                        .queueUrl()).attributeNamesWithStrings("All")).attributes().entrySet().stream()
                .filter(x -> x.getKey().toString().startsWith("APPROXIMATE_NUMBER_OF_MESSAGES"))
                .allMatch(x -> x.getValue().equals("0")));
        assertThat(secondGot).as("deliveries to the second consumer").hasSize(1);
    }

    /**
     * The child's {@code main}: a bus on SQS whose consumer writes {@code started <id>} (fsynced) and
     * then never returns. Runs until killed; a shutdown hook (which SIGKILL skips) writes a marker.
     * Arguments: SQS endpoint, queue prefix, effects file, marker file.
     */
    static final class ConsumerMain {
        private ConsumerMain() {
        }

        public static void main(String[] args) throws Exception {
            Path effects = Path.of(args[2]);
            Path marker = Path.of(args[3]);
            FileChannel out = FileChannel.open(effects, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Files.writeString(marker, "the shutdown hook ran\n");
                } catch (IOException e) {
                    System.err.println("writing " + marker + " failed: " + e);
                }
            }));
            CountDownLatch never = new CountDownLatch(1);
            // prefetch 1: the child holds only the message it works on, so once its lease lapsed
            // the message could go nowhere but to the other consumer
            Bus.builder().transport(transport(args[0], args[1])).name("cr-child")
                    .receiveEndpoint(ENDPOINT, e -> e.prefetch(1).handler(Job.class, ctx -> {
                        synchronized (out) {
                            out.write(ByteBuffer.wrap(("started " + ctx.message().id() + "\n")
                                    .getBytes(StandardCharsets.UTF_8)));
                            out.force(false);
                        }
                        never.await(); // mid-message until killed
                    }))
                    .start();
            never.await();
        }
    }
}
