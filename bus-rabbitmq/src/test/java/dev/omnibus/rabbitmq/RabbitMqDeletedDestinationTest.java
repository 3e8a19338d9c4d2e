package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.TransportException;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A publish to an exchange that was deleted after the bus declared it makes RabbitMQ close the
 * publishing channel (404 NOT_FOUND). That publish alone fails, naming the exchange; the publishes to
 * a good exchange that were unconfirmed on the same channel at that moment, and those made
 * concurrently from other threads, all confirm and are all consumed. One publishing channel, so every
 * publish shares the channel the broker closes.
 */
class RabbitMqDeletedDestinationTest {
    private static final int THREADS = 4;
    private static final int PER_THREAD = 500;

    record Good(String run, int n) {
    }

    record Lost(String run) {
    }

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @Test
    void aPublishToADeletedExchangeFailsAloneWhileConcurrentPublishesAllConfirm() throws Exception {
        String run = RunIds.next();
        String good = "good-" + run;
        String gone = "gone-" + run;
        Map<Integer, AtomicInteger> consumed = new ConcurrentHashMap<>();
        try (Bus bus = Bus.builder()
                .transport(RabbitFixture.builder().channelPoolSize(1).build())
                .name("deleted-" + run)
                .receiveEndpoint(good, e -> e.consumer(Good.class, c -> {
                    if (c.message().run().equals(run)) {
                        consumed.computeIfAbsent(c.message().n(), k -> new AtomicInteger()).incrementAndGet();
                    }
                }))
                .start();
                Connection plain = RabbitFixture.plainFactory().newConnection("deleted-destination-test")) {
            bus.send(Address.queue(gone), new Lost(run)).join(); // declares queue and exchange 'gone', remembered
            try (Channel ch = plain.createChannel()) {
                ch.exchangeDelete(gone); // as an operator would; the queue stays
            }

            List<CompletableFuture<Void>> goods = java.util.Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Void>[] bad = new CompletableFuture[1];
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int base = t * PER_THREAD;
                boolean sendsTheBadOne = t == 0;
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < PER_THREAD; i++) {
                        if (sendsTheBadOne && i == PER_THREAD / 2) {
                            bad[0] = bus.send(Address.queue(gone), new Lost(run)); // between unconfirmed good ones
                        }
                        goods.add(bus.send(Address.queue(good), new Good(run, base + i)));
                    }
                }, "publisher-" + t);
                threads.add(th);
                th.start();
            }
            go.countDown();
            for (Thread th : threads) {
                th.join(Duration.ofSeconds(60).toMillis());
                assertThat(th.isAlive()).as(th.getName() + " finished publishing").isFalse();
            }

            int failedGood = 0;
            StringBuilder firstFailure = new StringBuilder();
            for (CompletableFuture<Void> f : goods) {
                try {
                    Await.atMost(Duration.ofSeconds(30)).done("a good publish", f).join();
                } catch (CompletionException e) {
                    if (failedGood++ == 0) {
                        firstFailure.append(e.getCause());
                    }
                }
            }
            assertThat(failedGood).as("good publishes that failed (first: " + firstFailure + ")").isZero();
            assertThat(goods).hasSize(THREADS * PER_THREAD);
            assertThatThrownBy(() -> bad[0].get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TransportException.class)
                    .hasMessageContaining("exchange '" + gone + "' does not exist");
            Await.atMost(Duration.ofSeconds(60)).until("every good message consumed",
                    () -> consumed.size() == THREADS * PER_THREAD);
            long twice = consumed.values().stream().filter(c -> c.get() > 1).count();
            System.out.printf("[deleted-destination] %d good publishes confirmed and consumed, %d consumed twice "
                    + "(written again after the channel closed)%n", consumed.size(), twice);

            // the exchange was forgotten: the next send to the address declares it again and arrives
            bus.send(Address.queue(gone), new Lost(run)).get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
