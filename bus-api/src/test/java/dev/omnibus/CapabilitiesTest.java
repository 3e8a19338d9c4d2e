package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import dev.omnibus.spi.TransportCapabilities;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bus reads the transport's capabilities: build() checks the configuration, and shared code fills the gaps. */
class CapabilitiesTest {
    interface Shipment {
    }

    record Parcel(UUID id) implements Shipment {
    }

    record Letter(UUID id) implements Shipment {
    }

    record Ping(UUID id) {
    }

    /** The in-memory transport under other capabilities (and, optionally, a native scheduler). */
    static class Capable extends DelegatingTransport {
        final InMemoryTransport delegate;
        final TransportCapabilities caps;
        final Scheduler nativeScheduler;
        final List<EndpointTopology> declared = new CopyOnWriteArrayList<>();

        Capable(TransportCapabilities caps, Scheduler nativeScheduler) {
            this(InMemoryTransport.create(), caps, nativeScheduler);
        }

        private Capable(InMemoryTransport delegate, TransportCapabilities caps, Scheduler nativeScheduler) {
            super(delegate);
            this.delegate = delegate;
            this.caps = caps;
            this.nativeScheduler = nativeScheduler;
        }

        @Override
        public TransportCapabilities capabilities() {
            return caps;
        }

        @Override
        public void declareEndpoint(EndpointTopology topology) {
            declared.add(topology);
            super.declareEndpoint(topology);
        }

        @Override
        public Optional<Scheduler> nativeScheduler() {
            return Optional.ofNullable(nativeScheduler);
        }
    }

    /** A scheduler that records what it is given and sends nothing. */
    static final class Recording implements Scheduler {
        final String name;
        final List<Instant> scheduled = new CopyOnWriteArrayList<>();
        final List<UUID> cancelled = new CopyOnWriteArrayList<>();

        Recording(String name) {
            this.name = name;
        }

        @Override
        public void start(Transport transport, BusClock clock) {
        }

        @Override
        public UUID schedule(Instant due, Address destination, OutgoingMessage message) {
            scheduled.add(due);
            return message.deduplicationId();
        }

        @Override
        public boolean cancel(UUID token) {
            cancelled.add(token);
            return false;
        }

        @Override
        public void stop() {
        }
    }

    private static TransportCapabilities.Builder durable() {
        return TransportCapabilities.builder("test-broker").durable(true);
    }

    @Test
    void buildReportsEveryMismatchWithTheTransportAtOnce() {
        Capable t = new Capable(durable().routing(TransportCapabilities.Routing.BUS).maxMessageSize(1024).build(), null);
        assertThatThrownBy(() -> Bus.builder()
                .transport(t)
                .maxMessageSize(4096)
                .receiveEndpoint("shipments", e -> e
                        .redelivery(Retry.interval(2, Duration.ofMinutes(1)))
                        .consumer(Shipment.class, ctx -> { }))
                .build())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(3)
                        .anyMatch(p -> p.contains("maxMessageSize 4096") && p.contains("maxMessageSize(1024)"))
                        .anyMatch(p -> p.contains("consumes interface") && p.contains("BusBuilder.messageType"))
                        .anyMatch(p -> p.contains("delayed redelivery") && p.contains("scheduler")));
    }

    @Test
    void redeliveryThatWouldWaitOnlyInMemoryNeedsTheApplicationsConsentOnADurableTransport() {
        assertThatThrownBy(() -> Bus.builder()
                .transport(new Capable(durable().build(), null))
                .receiveEndpoint("orders", e -> e.redelivery(Retry.interval(1, Duration.ofSeconds(5)))
                        .handler(Ping.class, ctx -> { }))
                .build())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).singleElement()
                        .satisfies(p -> assertThat(p).contains("'orders'").contains("scheduler")));
        // with consent (named for the loss), or on a transport that is itself in memory, it builds
        Bus.builder().transport(new Capable(durable().build(), null)).allowInMemoryScheduling()
                .receiveEndpoint("orders", e -> e.redelivery(Retry.interval(1, Duration.ofSeconds(5)))
                        .handler(Ping.class, ctx -> { }))
                .build().close();
        Bus.builder().transport(InMemoryTransport.create())
                .receiveEndpoint("orders", e -> e.redelivery(Retry.interval(1, Duration.ofSeconds(5)))
                        .handler(Ping.class, ctx -> { }))
                .build().close();
    }

    @Test
    void aTransportThatComputesSubscriptionsIsToldTheRecordsBehindAConsumedInterface() throws Exception {
        Capable t = new Capable(durable().routing(TransportCapabilities.Routing.BUS).build(), null);
        try (Bus bus = Bus.builder().transport(t).messageType(Parcel.class).messageType(Letter.class)
                .receiveEndpoint("shipments", e -> e.consumer(Shipment.class, ctx -> { }))
                .receiveEndpoint("parcels", e -> e.handler(Parcel.class, ctx -> { }))
                .start()) {
            EndpointTopology shipments = t.declared.stream().filter(d -> d.name().equals("shipments")).findFirst().orElseThrow();
            assertThat(shipments.consumedUrns()).containsExactly(MessageTypeRegistry.urnOf(Shipment.class));
            assertThat(shipments.concreteUrns()).containsExactlyInAnyOrder(MessageTypeRegistry.urnOf(Parcel.class),
                    MessageTypeRegistry.urnOf(Letter.class));
            assertThat(shipments.kind()).isEqualTo(EndpointTopology.Kind.DURABLE);
            EndpointTopology parcels = t.declared.stream().filter(d -> d.name().equals("parcels")).findFirst().orElseThrow();
            assertThat(parcels.concreteUrns()).containsExactly(MessageTypeRegistry.urnOf(Parcel.class));
            assertThat(t.declared).anyMatch(d -> d.kind() == EndpointTopology.Kind.REPLY);
        }
    }

    @Test
    void delaysGoToTheBrokerWithinItsLimitAndToTheConfiguredSchedulerBeyondIt() throws Exception {
        Recording nativeDelays = new Recording("native");
        Recording durableDelays = new Recording("durable");
        Capable t = new Capable(durable().nativeDelay(Duration.ofMinutes(15), true).build(), nativeDelays);
        try (Bus bus = Bus.builder().transport(t).scheduler(durableDelays).start()) {
            bus.send(Address.queue("later"), new Ping(UUID.randomUUID()),
                    SendOptions.defaults().withDelay(Duration.ofMinutes(10))).get(5, TimeUnit.SECONDS);
            bus.send(Address.queue("later"), new Ping(UUID.randomUUID()),
                    SendOptions.defaults().withDelay(Duration.ofHours(2))).get(5, TimeUnit.SECONDS);
            assertThat(nativeDelays.scheduled).hasSize(1);
            assertThat(durableDelays.scheduled).hasSize(1);
        }
    }

    @Test
    void aBrokerDelayThatCannotBeWithdrawnLeavesDelaysToTheConfiguredScheduler() throws Exception {
        Recording nativeDelays = new Recording("native");
        Recording durableDelays = new Recording("durable");
        Capable t = new Capable(durable().nativeDelay(Duration.ofMinutes(15), false).build(), nativeDelays);
        try (Bus bus = Bus.builder().transport(t).scheduler(durableDelays).start()) {
            bus.send(Address.queue("later"), new Ping(UUID.randomUUID()),
                    SendOptions.defaults().withDelay(Duration.ofMinutes(10))).get(5, TimeUnit.SECONDS);
            assertThat(nativeDelays.scheduled).isEmpty();
            assertThat(durableDelays.scheduled).hasSize(1);
        }
    }

    @Test
    void aDelayBeyondTheBrokersLimitWithNoSchedulerFailsItsSendInsteadOfBeingShortened() throws Exception {
        Recording nativeDelays = new Recording("native");
        Capable t = new Capable(durable().nativeDelay(Duration.ofMinutes(15), false).build(), nativeDelays);
        try (Bus bus = Bus.builder().transport(t).start()) {
            bus.send(Address.queue("later"), new Ping(UUID.randomUUID()),
                    SendOptions.defaults().withDelay(Duration.ofMinutes(15))).get(5, TimeUnit.SECONDS);
            CompletableFuture<Void> tooLong = bus.send(Address.queue("later"), new Ping(UUID.randomUUID()),
                    SendOptions.defaults().withDelay(Duration.ofMinutes(16)));
            assertThatThrownBy(() -> tooLong.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("beyond what transport 'test-broker' can delay natively (PT15M)");
            assertThat(nativeDelays.scheduled).hasSize(1);
        }
    }

    @Test
    void transportHeadersBeyondTheTransportsLimitFailTheSendBeforeTheBrokerIsCalled() throws Exception {
        Capable t = new Capable(durable().maxHeaders(2, 4096).build(), null);
        try (Bus bus = Bus.builder().transport(t).start()) {
            CompletableFuture<Void> f = bus.send(Address.queue("h"), new Ping(UUID.randomUUID()),
                    SendOptions.defaults().withCorrelationId(UUID.randomUUID()));
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(SerializationException.class)
                    .hasMessageContaining("3 transport headers, over the 2");
            assertThat(t.delegate.broker().depth("h")).isZero();
        }
    }

    @Test
    void withoutAnExplicitLimitTheBusTakesTheTransportsLowerOne() throws Exception {
        Capable t = new Capable(durable().maxMessageSize(300).build(), null);
        try (Bus bus = Bus.builder().transport(t).start()) {
            CompletableFuture<Void> f = bus.send(Address.queue("big"), new Ping(UUID.randomUUID()));
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(SerializationException.class)
                    .hasMessageContaining("over the limit of 300");
        }
    }
}
