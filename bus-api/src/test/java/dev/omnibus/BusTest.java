package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.inmemory.InMemoryTransport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bus as a user drives it, on the in-memory transport. The transport guarantees are in bus-testing's kit. */
class BusTest {
    record Ping(UUID id) {
    }

    record Pong(UUID id) {
    }

    @Test
    void retryWaitsFollowThePolicyOnTheBusClock() throws Exception {
        FakeClock clock = new FakeClock();
        List<Instant> attempts = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .clock(clock)
                .receiveEndpoint("ping", e -> e
                        .retry(Retry.intervals(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)))
                        .consumer(Ping.class, ctx -> {
                            attempts.add(clock.now());
                            if (ctx.retryAttempt() < 3) {
                                throw new IllegalStateException("attempt " + ctx.retryAttempt());
                            }
                            done.complete(null);
                        }))
                .start()) {
            bus.publish(new Ping(UUID.randomUUID())).get(5, TimeUnit.SECONDS);
            done.get(10, TimeUnit.SECONDS);
            assertThat(clock.sleeps()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
            assertThat(attempts).hasSize(4);
            assertThat(Duration.between(attempts.get(0), attempts.get(3))).isEqualTo(Duration.ofSeconds(7));
        }
    }

    @Test
    void requestTimeoutFollowsTheBusClock() throws Exception {
        FakeClock clock = new FakeClock();
        try (Bus bus = Bus.builder().transport(InMemoryTransport.create()).clock(clock).start()) {
            CompletableFuture<Pong> f = bus.request(new Ping(UUID.randomUUID()), Pong.class, Duration.ofHours(1));
            clock.advance(Duration.ofMinutes(59));
            assertThat(f).isNotDone();
            clock.advance(Duration.ofMinutes(1));
            assertThat(f).isCompletedExceptionally();
            assertThatThrownBy(f::join).hasCauseInstanceOf(RequestTimeoutException.class)
                    .hasMessageContaining("within PT1H");
        }
    }

    @Test
    void everyConfigurationProblemIsReportedAtOnce() {
        assertThatThrownBy(() -> Bus.builder()
                .receiveEndpoint("bad name", e -> { })
                .receiveEndpoint("empty", e -> e.concurrency(0))
                .build())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(4)
                        .anyMatch(p -> p.contains("no transport"))
                        .anyMatch(p -> p.contains("bad name"))
                        .anyMatch(p -> p.contains("concurrency must be at least 1"))
                        .anyMatch(p -> p.contains("has no consumers")));
    }

    @Test
    void lifecycleMisuseFailsClearly() {
        Bus bus = Bus.builder().transport(InMemoryTransport.create()).build();
        assertThatThrownBy(() -> bus.publish(new Ping(UUID.randomUUID()))).isInstanceOf(BusStateException.class)
                .hasMessageContaining("not started");
        bus.start();
        assertThatThrownBy(bus::start).isInstanceOf(BusStateException.class).hasMessageContaining("already started");
        bus.stop();
        assertThatThrownBy(bus::stop).isInstanceOf(BusStateException.class).hasMessageContaining("only once");
        assertThatThrownBy(() -> bus.publish(new Ping(UUID.randomUUID()))).isInstanceOf(BusStateException.class)
                .hasMessageContaining("after stop");
        bus.close(); // harmless after stop
    }

    @Test
    void oneInMemoryTransportServesOneBus() {
        InMemoryTransport t = InMemoryTransport.create();
        try (Bus first = Bus.builder().transport(t).start()) {
            assertThat(first.address().uri().getScheme()).isEqualTo("loopback");
            assertThatThrownBy(() -> Bus.builder().transport(t).start()).isInstanceOf(BusStateException.class)
                    .hasMessageContaining("InMemoryBroker");
        }
    }

    @Test
    void oversizedOutgoingMessageFailsItsFuture() {
        try (Bus bus = Bus.builder().transport(InMemoryTransport.create()).maxMessageSize(512).start()) {
            record Big(String text) {
            }
            CompletableFuture<Void> f = bus.publish(new Big("x".repeat(1000)));
            assertThatThrownBy(f::join).hasCauseInstanceOf(SerializationException.class).hasMessageContaining("over the limit");
        }
    }

    @Test
    void rawJsonFromAForeignProducerIsConsumedByTheEndpointsOnlyType() throws Exception {
        dev.omnibus.inmemory.InMemoryBroker broker = dev.omnibus.inmemory.InMemoryBroker.create();
        CompletableFuture<Ping> got = new CompletableFuture<>();
        UUID id = UUID.randomUUID();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("foreign", e -> e.defaultContentType("application/json")
                        .consumer(Ping.class, ctx -> got.complete(ctx.message())))
                .start()) {
            InMemoryTransport producer = InMemoryTransport.connect(broker);
            producer.start(new dev.omnibus.spi.TransportContext(dev.omnibus.spi.BusClock.system(), "foreign-producer"));
            byte[] body = ("{\"id\":\"" + id + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            producer.send(Address.queue("foreign"), new dev.omnibus.spi.OutgoingMessage(body, Headers.empty(), null, null))
                    .get(5, TimeUnit.SECONDS);
            assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(new Ping(id));
            producer.close();
        }
    }

    record Start(UUID id) {
    }

    @Test
    void aRequestFromAConsumerCarriesTheFlowForward() throws Exception {
        CompletableFuture<Envelope> requestEnvelope = new CompletableFuture<>();
        CompletableFuture<Pong> answer = new CompletableFuture<>();
        UUID correlation = UUID.randomUUID();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .receiveEndpoint("responder", e -> e.consumer(Ping.class, ctx -> {
                    requestEnvelope.complete(ctx.envelope());
                    ctx.respond(new Pong(ctx.message().id()));
                }))
                .receiveEndpoint("starter", e -> e.consumer(Start.class, ctx ->
                        answer.complete(ctx.request(Address.queue("responder"), new Ping(ctx.message().id()), Pong.class,
                                Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS))))
                .start()) {
            UUID id = UUID.randomUUID();
            bus.publish(new Start(id), SendOptions.defaults().withCorrelationId(correlation)).get(5, TimeUnit.SECONDS);
            assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(new Pong(id));
            Envelope env = requestEnvelope.get(1, TimeUnit.SECONDS);
            // MassTransit: a request a consumer makes does not carry the consumed correlationId; the
            // initiatorId is that correlationId (SendContextExtensions.TransferConsumeContextHeaders)
            assertThat(env.correlationId()).isNull();
            assertThat(env.initiatorId()).isEqualTo(correlation);
            assertThat(env.requestId()).isNotNull();
            assertThat(env.headers().get("MT-Request-AcceptType")).isEqualTo(List.of(MessageTypeRegistry.urnOf(Pong.class)));
        }
    }

    @Test
    void aPendingRedeliveryIsNotLostWhenTheBusStops() throws Exception {
        dev.omnibus.inmemory.InMemoryBroker broker = dev.omnibus.inmemory.InMemoryBroker.create();
        CompletableFuture<Void> failedOnce = new CompletableFuture<>();
        Bus first = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("later", e -> e.redelivery(Retry.intervals(Duration.ofHours(1)))
                        .consumer(Ping.class, ctx -> {
                            failedOnce.complete(null);
                            throw new IllegalStateException("not now");
                        }))
                .start();
        first.publish(new Ping(UUID.randomUUID())).get(5, TimeUnit.SECONDS);
        failedOnce.get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!broker.isIdle()) { // the failure is handled: redelivery scheduled, original acked
            assertThat(System.nanoTime()).as("broker idle within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
        first.stop();
        assertThat(broker.depth("later")).isEqualTo(1);
        assertThat(broker.depth("later_error")).isZero();
        CompletableFuture<Integer> redelivered = new CompletableFuture<>();
        try (Bus second = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("later", e -> e.consumer(Ping.class, ctx -> redelivered.complete(ctx.redeliveryCount())))
                .start()) {
            assertThat(redelivered.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
    }

    @Test
    void closingABusThatNeverStartedClosesItsTransport() {
        InMemoryTransport t = InMemoryTransport.create();
        Bus.builder().transport(t).build().close();
        assertThatThrownBy(() -> t.send(Address.queue("x"), new dev.omnibus.spi.OutgoingMessage(new byte[0], Headers.empty(), null, null)).join())
                .hasCauseInstanceOf(TransportException.class).hasMessageContaining("closed");
    }
}
