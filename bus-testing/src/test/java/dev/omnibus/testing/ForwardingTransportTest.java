package dev.omnibus.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.inmemory.InMemoryScheduler;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ForwardingTransportTest {
    record Ping(UUID id) {
    }

    /** Counts sends and otherwise forwards. */
    static final class CountingTransport extends ForwardingTransport {
        final AtomicInteger sends = new AtomicInteger();

        CountingTransport(Transport delegate) {
            super(delegate);
        }

        @Override
        public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
            sends.incrementAndGet();
            return super.send(destination, message);
        }
    }

    @Test
    void overridesEveryTransportMethodIncludingTheDefaultOnes() {
        List<String> notForwarded = Arrays.stream(Transport.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()))
                .filter(m -> !declares(ForwardingTransport.class, m))
                .map(Method::getName)
                .toList();

        assertThat(notForwarded).as("Transport methods ForwardingTransport does not forward").isEmpty();
    }

    @Test
    void aBusOverTheWrapperWorksThroughTheWrappedTransport() {
        Queue<UUID> seen = new ConcurrentLinkedQueue<>();
        UUID id = UUID.randomUUID();
        CountingTransport counting = new CountingTransport(InMemoryTransport.create());
        try (Bus bus = Bus.builder().transport(counting).name("forwarding")
                .receiveEndpoint("pings", e -> e.consumer(Ping.class, ctx -> seen.add(ctx.message().id())))
                .start()) {
            Await.atMost(Duration.ofSeconds(20)).done("the send is confirmed",
                    bus.send(Address.queue("pings"), new Ping(id))).join();

            Await.atMost(Duration.ofSeconds(20)).until("the ping sent through the wrapper is consumed",
                    () -> seen.contains(id));
            assertThat(counting.sends).as("sends seen by the wrapper").hasValue(1);
        }
    }

    @Test
    void nativeSchedulerIsTheDelegates() {
        Scheduler scheduler = new InMemoryScheduler();
        Transport withScheduler = new ForwardingTransport(InMemoryTransport.create()) {
            @Override
            public Optional<Scheduler> nativeScheduler() {
                return Optional.of(scheduler);
            }
        };

        assertThat(new CountingTransport(withScheduler).nativeScheduler()).containsSame(scheduler);
        assertThat(new CountingTransport(InMemoryTransport.create()).nativeScheduler()).isEmpty();
    }

    private static boolean declares(Class<?> type, Method m) {
        try {
            type.getDeclaredMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
