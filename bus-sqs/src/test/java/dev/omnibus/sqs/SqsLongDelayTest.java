package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import dev.omnibus.testing.VirtualClock;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Delays beyond SQS's 15 minutes on a virtual clock: a scheduled send and a delayed redelivery of two
 * hours go through the bus's scheduler (here the in-memory one on the virtual clock, standing in for
 * a durable one), never to SQS with a delay cut to 15 minutes. At 1 h 59 min nothing is in the queue
 * at all (visible, in flight or delayed); at 2 h it arrives.
 */
class SqsLongDelayTest {
    record Reminder(String text) {
    }

    private final String prefix = "ld-" + RunIds.next() + "-";
    private final Await await = Await.atMost(Duration.ofSeconds(30));
    private final VirtualClock clock = new VirtualClock();
    private Bus bus;

    @AfterEach
    void cleanUp() {
        if (bus != null) {
            bus.close();
        }
        SqsFixture.deleteQueuesWithPrefix(prefix);
    }

    private SqsTransport transport() {
        return SqsTransport.builder().withoutSns().endpoint(SqsFixture.endpoint().toString()).region(AwsTestClients.REGION.id())
                .credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix).waitTimeSeconds(1).build();
    }

    /** Messages SQS holds in the queue in any state: visible, in flight, or delayed. */
    private int inSqs(String endpoint) {
        String url = SqsFixture.client().getQueueUrl(b -> b.queueName(QueueNames.queueName(prefix, endpoint))).queueUrl();
        Map<QueueAttributeName, String> a = SqsFixture.client().getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return a.values().stream().mapToInt(Integer::parseInt).sum();
    }

    @Test
    void aSendDelayedTwoHoursArrivesAfterTwoHoursNotAfterFifteenMinutes() {
        Queue<Reminder> seen = new ConcurrentLinkedQueue<>();
        bus = Bus.builder().transport(transport()).clock(clock).allowInMemoryScheduling()
                .receiveEndpoint("later", e -> e.handler(Reminder.class, ctx -> seen.add(ctx.message())))
                .build();
        bus.start();
        bus.send(Address.queue("later"), new Reminder("two hours"), SendOptions.defaults().withDelay(Duration.ofHours(2)))
                .join();
        clock.advance(Duration.ofMinutes(119));
        assertThat(inSqs("later")).as("messages in SQS at 1 h 59 min").isZero();
        assertThat(seen).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        await.until("the reminder arrives at 2 h", () -> !seen.isEmpty());
        assertThat(seen).containsExactly(new Reminder("two hours"));
        assertThat(clock.elapsed()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void aRedeliveryDelayedTwoHoursComesAfterTwoHours() {
        AtomicInteger attempts = new AtomicInteger();
        bus = Bus.builder().transport(transport()).clock(clock).allowInMemoryScheduling()
                .receiveEndpoint("retrying", e -> e.redelivery(Retry.intervals(Duration.ofHours(2)))
                        .handler(Reminder.class, ctx -> {
                            if (attempts.incrementAndGet() == 1) {
                                throw new IllegalStateException("not yet");
                            }
                        }))
                .build();
        bus.start();
        bus.send(Address.queue("retrying"), new Reminder("again")).join();
        await.until("the first attempt failed and nothing of the message is left in SQS", () -> attempts.get() == 1 && inSqs("retrying") == 0);
        clock.advance(Duration.ofMinutes(119));
        assertThat(inSqs("retrying")).as("messages in SQS at 1 h 59 min").isZero();
        assertThat(attempts.get()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(1));
        await.until("the redelivery runs at 2 h", attempts::get, n -> n == 2);
    }
}
