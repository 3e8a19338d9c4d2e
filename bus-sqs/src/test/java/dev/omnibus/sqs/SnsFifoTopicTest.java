package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Bus;
import dev.omnibus.SendOptions;
import dev.omnibus.TransportException;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Publishing to FIFO endpoints through SNS FIFO topics ({@code fifoTopics(...)}), on fauxqs
 * ({@link SnsFixture}): order per group across a FIFO topic and a FIFO queue, SNS's deduplication of a
 * message id, a standard endpoint beside it getting every message, and a FIFO endpoint consuming a
 * type of a standard topic refused at start.
 */
class SnsFifoTopicTest {
    /** A price change of one product, in its place in the product's sequence. */
    public record PriceChanged(String product, int seq) {
    }

    /** Published to a standard topic. */
    public record StockCounted(String product) {
    }

    private final String prefix = "ft-" + RunIds.next() + "-";
    private final Await await = Await.atMost(Duration.ofSeconds(60));
    private final java.util.Deque<AutoCloseable> open = new java.util.ArrayDeque<>();

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
                .credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix).waitTimeSeconds(1)
                .fifo("prices").fifoTopics(PriceChanged.class);
    }

    private Bus opened(Bus bus) {
        open.push(bus);
        return bus;
    }

    private static void work(long millis) {
        try {
            Thread.sleep(millis); // the consumer's own work, not a wait for anything
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void publishedMessagesReachAFifoEndpointInOrderPerGroupAndAStandardOneToo() {
        Map<String, List<Integer>> ordered = new ConcurrentHashMap<>();
        AtomicInteger fifoCount = new AtomicInteger();
        AtomicInteger standardCount = new AtomicInteger();
        opened(Bus.builder().name("consumers").transport(transport().build())
                .receiveEndpoint("prices", e -> e.concurrency(8).consumer(PriceChanged.class, ctx -> {
                    PriceChanged p = ctx.message();
                    work((p.seq() * 7L + p.product().hashCode() & 0xff) % 15); // uneven, so overtaking would show
                    ordered.computeIfAbsent(p.product(), k -> Collections.synchronizedList(new ArrayList<>())).add(p.seq());
                    fifoCount.incrementAndGet();
                }))
                .receiveEndpoint("audit", e -> e.consumer(PriceChanged.class, ctx -> standardCount.incrementAndGet()))
                .start());
        Bus publisher = opened(Bus.builder().name("publisher").transport(transport().build()).start());
        List<CompletableFuture<Void>> published = new ArrayList<>();
        for (int seq = 0; seq < 10; seq++) {
            for (int p = 0; p < 4; p++) { // not awaited one by one: the transport keeps each group's order
                published.add(publisher.publish(new PriceChanged("p" + p, seq),
                        SendOptions.defaults().withPartitionKey("p" + p)));
            }
        }
        CompletableFuture.allOf(published.toArray(CompletableFuture[]::new)).join();
        await.until("all 40 reach the FIFO endpoint", fifoCount::get, n -> n == 40);
        await.until("all 40 reach the standard endpoint", standardCount::get, n -> n == 40);
        List<Integer> inOrder = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            inOrder.add(i);
        }
        assertThat(ordered).hasSize(4);
        ordered.forEach((product, seqs) -> assertThat(seqs).as("product %s", product).containsExactlyElementsOf(inOrder));
    }

    @Test
    void aMessagePublishedTwiceWithinTheDeduplicationWindowReachesAFifoEndpointOnce() {
        Queue<PriceChanged> seen = new ConcurrentLinkedQueue<>();
        Bus bus = opened(Bus.builder().name("dedup").transport(transport().build())
                .receiveEndpoint("prices", e -> e.consumer(PriceChanged.class, ctx -> seen.add(ctx.message())))
                .start());
        SendOptions once = SendOptions.defaults().withMessageId(UUID.randomUUID()).withPartitionKey("p");
        bus.publish(new PriceChanged("p", 1), once).join();
        bus.publish(new PriceChanged("p", 1), once).join();
        bus.publish(new PriceChanged("p", 2), SendOptions.defaults().withPartitionKey("p")).join(); // the marker
        await.until("the marker is consumed", () -> seen.contains(new PriceChanged("p", 2)));
        assertThat(seen).containsExactly(new PriceChanged("p", 1), new PriceChanged("p", 2));
    }

    @Test
    void aFifoEndpointConsumingATypeOfAStandardTopicIsRefusedAtStartSayingWhatToDo() {
        SqsTransport t = transport().build();
        assertThatThrownBy(() -> opened(Bus.builder().name("refused").transport(t)
                .receiveEndpoint("prices", e -> e.consumer(StockCounted.class, ctx -> { }))
                .start()))
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("FIFO endpoint prices consumes")
                .hasMessageContaining("fifoTopics");
    }
}
