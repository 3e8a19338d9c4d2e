package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.ConsumeContexts;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Outbound;
import dev.omnibus.spi.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Producing into an {@link Outbound} (what the outbox does) instead of the transport. */
class OutboundTest {
    record Ping(UUID id) {
    }

    record Pong(UUID id) {
    }

    /** Remembers what it was given. */
    static class Captured implements Outbound {
        record Entry(String kind, MessageType type, Address destination, Instant due, OutgoingMessage message) {
        }

        final List<Entry> entries = new CopyOnWriteArrayList<>();

        @Override
        public void publish(MessageType type, OutgoingMessage message) {
            entries.add(new Entry("publish", type, null, null, message));
        }

        @Override
        public void send(Address destination, OutgoingMessage message) {
            entries.add(new Entry("send", null, destination, null, message));
        }

        @Override
        public void schedule(Instant due, Address destination, OutgoingMessage message) {
            entries.add(new Entry("schedule", null, destination, due, message));
        }
    }

    @Test
    void aMessageProducedIntoAnOutboundIsConsumedWhenHandedToTheTransportLater() throws Exception {
        Transport transport = InMemoryTransport.create();
        LinkedBlockingQueue<ConsumeContext<Ping>> got = new LinkedBlockingQueue<>();
        try (Bus bus = Bus.builder().transport(transport)
                .receiveEndpoint("pings", e -> e.consumer(Ping.class, got::add))
                .start()) {
            Captured out = new Captured();
            UUID correlation = UUID.randomUUID();
            UUID id = bus.producer(out).publish(new Ping(UUID.randomUUID()),
                    SendOptions.defaults().withCorrelationId(correlation).withHeader("tenant", "acme"));
            UUID sentId = bus.producer(out).send(Address.queue("pings"), new Ping(UUID.randomUUID()));
            assertThat(out.entries).extracting(Captured.Entry::kind).containsExactly("publish", "send");
            assertThat(got).isEmpty();

            Captured.Entry published = out.entries.get(0);
            assertThat(published.message().headers().get(OutgoingMessage.MESSAGE_ID)).isEqualTo(id.toString());
            assertThat(published.message().partitionKey()).isEqualTo(correlation.toString());
            // rebuilt from its URNs alone, as an outbox does
            MessageType rebuilt = new MessageType(published.type().urn(), Object.class, Object.class,
                    published.type().messageTypes());
            transport.publish(rebuilt, published.message()).get(5, TimeUnit.SECONDS);
            transport.send(out.entries.get(1).destination(), out.entries.get(1).message()).get(5, TimeUnit.SECONDS);

            ConsumeContext<Ping> first = got.poll(5, TimeUnit.SECONDS);
            ConsumeContext<Ping> second = got.poll(5, TimeUnit.SECONDS);
            assertThat(first.messageId()).isEqualTo(id);
            assertThat(first.correlationId()).isEqualTo(correlation);
            assertThat(first.headers().get("tenant")).isEqualTo("acme");
            assertThat(second.messageId()).isEqualTo(sentId);
        }
    }

    @Test
    void aDelayedSendIsScheduledIntoTheOutboundAndAPublishCannotBeDelayed() {
        FakeClock clock = new FakeClock();
        try (Bus bus = Bus.builder().transport(InMemoryTransport.create()).clock(clock).start()) {
            Captured out = new Captured();
            bus.producer(out).send(Address.queue("later"), new Ping(UUID.randomUUID()),
                    SendOptions.defaults().withDelay(Duration.ofMinutes(5)));
            assertThat(out.entries).singleElement().satisfies(e -> {
                assertThat(e.kind()).isEqualTo("schedule");
                assertThat(e.due()).isEqualTo(clock.now().plus(Duration.ofMinutes(5)));
            });
            assertThatThrownBy(() -> bus.producer(out).publish(new Ping(UUID.randomUUID()),
                    SendOptions.defaults().withDelay(Duration.ofMinutes(5)))).isInstanceOf(ConfigurationException.class);
        }
    }

    @Test
    void aRedirectedContextCarriesTheFlowIntoTheOutboundAndSeesAttributes() throws Exception {
        Captured out = new Captured();
        CompletableFuture<String> attribute = new CompletableFuture<>();
        CompletableFuture<UUID> consumed = new CompletableFuture<>();
        try (Bus bus = Bus.builder().transport(InMemoryTransport.create())
                .receiveEndpoint("pings", e -> e
                        .filter((ctx, next) -> next.proceed(ConsumeContexts.redirect(ctx, out, List.of("the connection"))))
                        .consumer(Ping.class, ctx -> {
                            attribute.complete(ctx.attribute(String.class).orElse("none"));
                            ctx.publish(new Pong(ctx.message().id()));
                            ctx.respond(new Pong(ctx.message().id()));
                            consumed.complete(ctx.messageId());
                        }))
                .start()) {
            UUID correlation = UUID.randomUUID();
            bus.publish(new Ping(UUID.randomUUID()), SendOptions.defaults().withCorrelationId(correlation)).get(5, TimeUnit.SECONDS);
            UUID pingId = consumed.get(5, TimeUnit.SECONDS);
            assertThat(attribute.get(5, TimeUnit.SECONDS)).isEqualTo("the connection");
            assertThat(out.entries).hasSize(2);
            var reader = dev.omnibus.json.JsonEnvelopeSerializer.create();
            for (int i = 0; i < out.entries.size(); i++) {
                Captured.Entry e = out.entries.get(i);
                Envelope env = reader.deserialize(e.message().body(), e.message().headers()).envelope();
                assertThat(env.initiatorId()).as("the consumed correlation id, as MassTransit sets it")
                        .isEqualTo(correlation);
                // MassTransit copies the consumed correlationId onto a response, not onto a publish
                // (the consumer publishes first, then responds)
                assertThat(env.correlationId()).as(i == 0 ? "the publish's correlationId" : "the response's correlationId")
                        .isEqualTo(i == 0 ? null : correlation);
                assertThat(e.message().partitionKey()).as("the flow's ordering key is carried").isEqualTo(correlation.toString());
                assertThat(env.sourceAddress().toString()).endsWith("pings");
            }
        }
    }

    @Test
    void aFailingOutboundFailsTheDelivery() throws Exception {
        Outbound broken = new Captured() {
            @Override
            public void publish(MessageType type, OutgoingMessage message) {
                throw new IllegalStateException("database gone");
            }
        };
        LinkedBlockingQueue<String> errors = new LinkedBlockingQueue<>();
        try (Bus bus = Bus.builder().transport(InMemoryTransport.create())
                .receiveEndpoint("pings", e -> e
                        .filter((ctx, next) -> next.proceed(ConsumeContexts.redirect(ctx, broken, List.of())))
                        .consumer(Ping.class, ctx -> ctx.publish(new Pong(ctx.message().id()))))
                .receiveEndpoint("faults", e -> e.faultConsumer(Ping.class, ctx -> errors.add(
                        ctx.message().exceptions().get(0).message())))
                .start()) {
            bus.publish(new Ping(UUID.randomUUID())).get(5, TimeUnit.SECONDS);
            assertThat(errors.poll(5, TimeUnit.SECONDS)).isEqualTo("database gone");
        }
    }
}
