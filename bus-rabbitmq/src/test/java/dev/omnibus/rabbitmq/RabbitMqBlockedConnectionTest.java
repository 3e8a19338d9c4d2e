package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.TransportException;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker blocks the bus's publishing connection ({@code connection.blocked}) as under a memory
 * alarm: the alarm is raised for that one connection ({@link RabbitCtl#alarm}), so other connections on
 * the shared broker are untouched, and cleared in {@code @AfterEach} whatever happens. Publishes made
 * while blocked are held: they complete when the broker unblocks, or fail after
 * {@code blockedPublishTimeout} saying the broker is blocked and why. Publishing never blocks the
 * caller, even with messages large enough to fill the socket's buffers.
 */
class RabbitMqBlockedConnectionTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(20));
    private final String run = RunIds.next();
    private final String queue = "blocked-" + run;
    private final String busName = "blocked-" + run;
    private final AtomicInteger consumed = new AtomicInteger();
    private Bus bus;
    private RabbitMqTransport transport;

    record Ping(String run, String payload) {
    }

    @BeforeAll
    static void needsControlOfTheLocalBroker() {
        RabbitCtl.requireLocalControl();
    }

    private void start(Duration blockedPublishTimeout) {
        transport = RabbitFixture.builder().blockedPublishTimeout(blockedPublishTimeout).build();
        bus = Bus.builder()
                .transport(transport)
                .name(busName)
                .receiveEndpoint(queue, e -> e.consumer(Ping.class, c -> {
                    if (c.message().run().equals(run)) {
                        consumed.incrementAndGet();
                    }
                }))
                .start();
    }

    @AfterEach
    void clearTheAlarm() {
        try {
            if (bus != null) {
                RabbitCtl.alarm("omnibus:" + busName + ":publish", "memory", false);
            }
        } finally {
            if (bus != null) {
                bus.close();
            }
        }
    }

    /** Raises the alarm for the publishing connection and publishes until the broker says it is blocked. */
    private void blockPublishing() {
        assertThat(RabbitCtl.alarm("omnibus:" + busName + ":publish", "memory", true)).as("connections alarmed").isEqualTo(1);
        // RabbitMQ blocks a connection when it next publishes; this one may confirm or be held
        bus.send(Address.queue(queue), new Ping(run, "trigger"));
        AWAIT.until("the broker blocked the publishing connection", () -> transport.publishingBlocked().isPresent());
        assertThat(transport.publishingBlocked().orElseThrow()).contains("low on memory");
    }

    @Test
    void publishesHeldWhileBlockedCompleteWhenTheBrokerUnblocks() {
        start(Duration.ofSeconds(30));
        blockPublishing();
        List<CompletableFuture<Void>> held = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            held.add(bus.send(Address.queue(queue), new Ping(run, "held-" + i)));
        }
        assertThat(held).noneMatch(CompletableFuture::isDone);

        RabbitCtl.alarm("omnibus:" + busName + ":publish", "memory", false);
        AWAIT.until("the broker unblocked the connection", () -> transport.publishingBlocked().isEmpty());
        for (CompletableFuture<Void> f : held) {
            AWAIT.done("a held publish", f).join(); // confirmed, not failed
        }
        AWAIT.until("the trigger and the 10 held messages consumed", () -> consumed.get() == 11);
    }

    @Test
    void aPublishHeldLongerThanTheTimeoutFailsNamingTheReasonAndNeverBlocksTheCaller() {
        start(Duration.ofSeconds(1));
        blockPublishing();
        // 16 messages of 1 MiB: written to a socket the broker no longer reads, they would fill its
        // buffers and block the publishing thread inside the client until the alarm clears
        String big = "x".repeat(1 << 20);
        List<CompletableFuture<Void>> held = new ArrayList<>();
        CompletableFuture<Void> published = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 16; i++) {
                held.add(bus.send(Address.queue(queue), new Ping(run, big)));
            }
        });
        long start = System.nanoTime();
        AWAIT.done("the publishing thread returned (it must not block on a blocked broker)", published).join();
        for (CompletableFuture<Void> f : held) {
            AWAIT.done("a held publish", f);
            Throwable e = catchFailure(f);
            assertThat(e).as("a publish held past the timeout fails").isInstanceOf(TransportException.class);
            assertThat(e.getMessage()).contains("blocked", "low on memory", "blockedPublishTimeout");
            assertThat(((TransportException) e).isRetryable()).isTrue();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("held at least the timeout")
                .isGreaterThanOrEqualTo(Duration.ofMillis(900));

        // the alarm clears: publishing works again, and nothing that failed was published after all
        RabbitCtl.alarm("omnibus:" + busName + ":publish", "memory", false);
        AWAIT.until("the broker unblocked the connection", () -> transport.publishingBlocked().isEmpty());
        AWAIT.done("a publish after the alarm", bus.send(Address.queue(queue), new Ping(run, "after"))).join();
        AWAIT.until("the trigger and the message after the alarm consumed", () -> consumed.get() == 2);
        assertThat(consumed.get()).isEqualTo(2);
    }

    private static Throwable catchFailure(CompletableFuture<Void> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
