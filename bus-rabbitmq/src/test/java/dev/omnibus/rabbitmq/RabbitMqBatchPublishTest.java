package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.omnibus.Address;
import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code sendAll}/{@code publishAll}: one channel, all published, then confirms, one future per message. */
class RabbitMqBatchPublishTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(20));
    private final String run = dev.omnibus.testing.RunIds.next();
    private RabbitMqTransport transport;
    private Connection plain;

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @BeforeEach
    void start() throws Exception {
        transport = RabbitFixture.transport();
        transport.start(new TransportContext(BusClock.system(), "batch-test-" + run));
        plain = RabbitFixture.plainFactory().newConnection("batch-test");
    }

    @AfterEach
    void stop() throws Exception {
        transport.close();
        plain.close();
    }

    private static OutgoingMessage message(String id) {
        return new OutgoingMessage(id.getBytes(StandardCharsets.UTF_8),
                Headers.of(OutgoingMessage.CONTENT_TYPE, "text/plain").with(OutgoingMessage.MESSAGE_ID, id), null, null);
    }

    @Test
    void sendAllDeliversAHundredMessagesInOrder() throws Exception {
        String queue = "bt-order-" + run;
        List<OutgoingMessage> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(message("m" + i));
        }
        List<CompletableFuture<Void>> futures = transport.sendAll(Address.queue(queue), batch);
        assertThat(futures).hasSize(100);
        AWAIT.done("all confirmed", CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))).join();
        try (Channel ch = plain.createChannel()) {
            List<String> ids = new ArrayList<>();
            GetResponse r;
            while ((r = ch.basicGet(queue, true)) != null) {
                ids.add(r.getProps().getMessageId());
            }
            assertThat(ids).containsExactlyElementsOf(batch.stream().map(m -> m.headers().get(OutgoingMessage.MESSAGE_ID)
                    .toString()).toList());
        } finally {
            delete(queue);
        }
    }

    @Test
    void anOversizedEntryOfSendAllFailsOnlyItself() throws Exception {
        String queue = "bt-big-" + run;
        List<OutgoingMessage> batch = List.of(message("a"),
                message("b").withHeaders(Headers.of("X-Huge", "x".repeat(200_000))), message("c"));
        List<CompletableFuture<Void>> futures = transport.sendAll(Address.queue(queue), batch);
        AWAIT.done("a", futures.get(0)).join();
        AWAIT.done("c", futures.get(2)).join();
        AWAIT.done("b ends", futures.get(1));
        assertThatThrownBy(futures.get(1)::join).cause().isInstanceOf(TransportException.class).hasMessageContaining("headers");
        try (Channel ch = plain.createChannel()) {
            assertThat(ch.basicGet(queue, true).getProps().getMessageId()).isEqualTo("a");
            assertThat(ch.basicGet(queue, true).getProps().getMessageId()).isEqualTo("c");
        } finally {
            delete(queue);
        }
    }

    /**
     * The publisher's batch, to two destinations: an entry to an exchange no queue is bound to
     * ({@code mandatory}, as a send is) comes back from the broker and fails its own future only.
     */
    @Test
    void anUnroutableEntryOfABatchFailsOnlyItsOwnFuture() throws Exception {
        String routable = "bt-ok-" + run;
        String nowhere = "bt-nowhere-" + run;
        ExecutorService completions = Executors.newSingleThreadExecutor();
        try (Channel ch = plain.createChannel();
                Connection connection = RabbitFixture.plainFactory().newConnection("batch-test-publisher")) {
            ch.queueDeclare(routable, false, false, false, null);
            ch.exchangeDeclare(routable, "fanout", false, false, null);
            ch.queueBind(routable, routable, "");
            ch.exchangeDeclare(nowhere, "fanout", false, true, null);
            Publisher publisher = new Publisher(connection, 2, completions, TimeUnit.SECONDS.toNanos(10),
                    new PublishGate(completions, java.time.Duration.ofSeconds(10)), exchange -> { });
            List<Publisher.Entry> entries = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String target = i == 2 ? nowhere : routable;
                entries.add(new Publisher.Entry(target, "", true,
                        new AMQP.BasicProperties.Builder().messageId("e" + i).build(), new byte[] {(byte) i}));
            }
            List<CompletableFuture<Void>> futures = publisher.publishAll(entries);
            for (int i = 0; i < 5; i++) {
                AWAIT.done("entry " + i, futures.get(i));
            }
            assertThatThrownBy(futures.get(2)::join).isInstanceOf(CompletionException.class).cause()
                    .isInstanceOf(TransportException.class).hasMessageContaining("unroutable");
            for (int i : new int[] {0, 1, 3, 4}) {
                assertThat(futures.get(i)).as("entry " + i).isCompletedWithValue(null);
            }
            assertThat(ch.queueDeclarePassive(routable).getMessageCount()).isEqualTo(4);
            publisher.close();
        } finally {
            completions.shutdown();
            delete(routable);
            delete(nowhere);
        }
    }

    private void delete(String name) {
        try (Channel ch = plain.createChannel()) {
            ch.queueDelete(name);
            ch.exchangeDelete(name);
        } catch (Exception e) {
            // best effort
        }
    }
}
