package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.TransportContext;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The threads a bus uses on the wall clock: none outlives it, and no send holds up its timers. */
class BusThreadsTest {
    record Ping(UUID id) {
    }

    record Pong(UUID id) {
    }

    record Reminder(int n) {
    }

    private static Set<Thread> omnibusThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("omnibus-"))
                .collect(Collectors.toSet());
    }

    @Test
    void noThreadOfABusOutlivesItsClose() throws Exception {
        Set<Thread> before = omnibusThreads();
        CompletableFuture<Reminder> reminded = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .name("threads-test")
                .receiveEndpoint("threads-pong", e -> e.consumer(Ping.class, ctx -> ctx.respond(new Pong(ctx.message().id())))
                        .consumer(Reminder.class, ctx -> reminded.complete(ctx.message())))
                .start()) {
            UUID id = UUID.randomUUID();
            // a request (a timeout on the system clock's timer) and a scheduled send (the in-memory scheduler)
            assertThat(bus.request(new Ping(id), Pong.class, Duration.ofSeconds(30)).get(5, TimeUnit.SECONDS))
                    .isEqualTo(new Pong(id));
            bus.send(Address.queue("threads-pong"), new Reminder(1), SendOptions.defaults().withDelay(Duration.ofMillis(20)))
                    .get(5, TimeUnit.SECONDS);
            assertThat(reminded.get(5, TimeUnit.SECONDS)).isEqualTo(new Reminder(1));
            assertThat(omnibusThreads()).as("the bus uses the timer thread while it runs")
                    .anyMatch(t -> t.getName().equals("omnibus-timer"));
        }
        // 25 s: the shared timer thread may also carry an earlier test's timer set without a retaining bus,
        // which ends it only after SystemBusClock's idle timeout (10 s) and a loaded machine's lag
        Waits.until("every omnibus-* thread started for the bus ended, the shared timer thread too",
                Duration.ofSeconds(25), () -> {
                    Set<Thread> left = omnibusThreads();
                    left.removeAll(before);
                    return left.isEmpty() && omnibusThreads().stream().noneMatch(t -> t.getName().equals("omnibus-timer"));
                }, () -> omnibusThreads().stream().map(Thread::getName).sorted().toList());
    }

    @Test
    void aScheduledSendIntoAFullQueueDoesNotHoldUpOtherTimers() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create(1, Duration.ofSeconds(10));
        CompletableFuture<Long> otherArrived = new CompletableFuture<>();
        AtomicInteger drained = new AtomicInteger();
        InMemoryTransport drain = InMemoryTransport.connect(broker);
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("on-time", e -> e.consumer(Reminder.class, ctx -> otherArrived.complete(System.nanoTime())))
                .start()) {
            bus.send(Address.queue("full"), new Reminder(0)).get(5, TimeUnit.SECONDS); // "full" holds 1: now full
            bus.send(Address.queue("full"), new Reminder(1), SendOptions.defaults().withDelay(Duration.ofMillis(20)))
                    .get(5, TimeUnit.SECONDS);
            long scheduledAt = System.nanoTime();
            bus.send(Address.queue("on-time"), new Reminder(2), SendOptions.defaults().withDelay(Duration.ofMillis(200)))
                    .get(5, TimeUnit.SECONDS);
            long arrived = otherArrived.get(5, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(arrived - scheduledAt);
            assertThat(took).as("a timer due while an earlier scheduled send waits for room in a full queue")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(200)).isLessThan(Duration.ofSeconds(3));
            // make room: the waiting send completes, nothing was lost
            drain.start(new TransportContext(BusClock.system(), "drain"));
            drain.receive("full", new ReceiveSettings(8), d -> {
                drained.incrementAndGet();
                d.ack();
            });
            Waits.until("both messages for 'full' drained", Duration.ofSeconds(5), () -> drained.get() == 2);
        } finally {
            drain.close();
        }
        assertThat(drained).hasValue(2);
    }
}
