package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.ConsumeContexts;
import dev.omnibus.spi.Outbound;
import dev.omnibus.spi.OutgoingMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link Bus#clock()} and {@link ConsumeContext#clock()}: the bus's time, outside any simulation. */
class ApplicationClockTest {
    record Stamp(int n) {
    }

    @Test
    void onTheWallClockAReadLiesBetweenTheReadsAroundIt() {
        AtomicReference<Instant> inConsumer = new AtomicReference<>();
        AtomicReference<Clock> consumerClock = new AtomicReference<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .receiveEndpoint("stamps", e -> e.consumer(Stamp.class, ctx -> {
                    consumerClock.set(ctx.clock());
                    inConsumer.set(ctx.clock().instant());
                }))
                .start()) {
            Instant before = Instant.now();
            Instant read = bus.clock().instant();
            long millis = bus.clock().millis();
            Instant after = Instant.now();
            assertThat(read).isBetween(before, after);
            assertThat(millis).isBetween(before.toEpochMilli(), after.toEpochMilli());

            Instant published = Instant.now();
            bus.publish(new Stamp(1)).join();
            Waits.until("the consumer read the clock", Duration.ofSeconds(10), () -> inConsumer.get() != null);
            assertThat(inConsumer.get()).isBetween(published, Instant.now());
            assertThat(consumerClock.get()).isSameAs(bus.clock()); // one view per bus, not one per delivery
            assertThat(bus.clock().getZone()).isEqualTo(ZoneOffset.UTC);
        }
    }

    @Test
    void onAClockOfItsOwnTheBusAndItsConsumersReadThatClock() {
        FakeClock fake = new FakeClock();
        Instant start = fake.now();
        AtomicReference<Instant> inConsumer = new AtomicReference<>();
        Outbound nowhere = new Outbound() {
            @Override
            public void publish(MessageType type, OutgoingMessage message) {
            }

            @Override
            public void send(Address destination, OutgoingMessage message) {
            }

            @Override
            public void schedule(Instant due, Address destination, OutgoingMessage message) {
            }
        };
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .clock(fake)
                .receiveEndpoint("stamps", e -> e
                        .filter((ctx, next) -> next.proceed(ConsumeContexts.redirect(ctx, nowhere, java.util.List.of())))
                        // the consumer sees a redirected context (as under an outbox): it reads the same clock
                        .consumer(Stamp.class, ctx -> inConsumer.set(ctx.clock().instant())))
                .start()) {
            assertThat(bus.clock().instant()).isEqualTo(start);
            fake.advance(Duration.ofMinutes(90));
            assertThat(bus.clock().instant()).isEqualTo(start.plus(Duration.ofMinutes(90)));
            assertThat(bus.clock().millis()).isEqualTo(start.plus(Duration.ofMinutes(90)).toEpochMilli());
            bus.publish(new Stamp(1)).join();
            Waits.until("the consumer read the clock", Duration.ofSeconds(10), () -> inConsumer.get() != null);
            assertThat(inConsumer.get()).isEqualTo(start.plus(Duration.ofMinutes(90)));
            Clock paris = bus.clock().withZone(ZoneId.of("Europe/Paris"));
            assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
            assertThat(paris.instant()).isEqualTo(bus.clock().instant());
            assertThat(paris.withZone(ZoneOffset.UTC)).isEqualTo(bus.clock())
                    .hasSameHashCodeAs(bus.clock());
            assertThat(paris).isNotEqualTo(bus.clock()); // same bus clock, another zone
            try (Bus other = Bus.builder().transport(InMemoryTransport.create()).clock(new FakeClock()).start()) {
                assertThat(other.clock()).isNotEqualTo(bus.clock()); // another bus clock, same zone
            }
        }
    }
}
