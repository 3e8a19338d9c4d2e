package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.inmemory.InMemoryTransport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The mediator as a user drives it: in-process send, publish and request with the bus's consumers and filters. */
class MediatorTest {
    interface OrderEvent {
        UUID orderId();
    }

    record OrderSubmitted(UUID orderId, String customer) implements OrderEvent {
    }

    record ChargeCard(UUID orderId) {
    }

    record CheckStock(String sku) {
    }

    record StockStatus(String sku, int available) {
    }

    /** A consumer written for a bus endpoint: it sends on through its context. */
    static final class OrderSubmittedConsumer implements MessageConsumer<OrderSubmitted> {
        @Override
        public void consume(ConsumeContext<OrderSubmitted> ctx) {
            ctx.send(Address.queue("payments"), new ChargeCard(ctx.message().orderId()));
        }
    }

    @Test
    void sendRunsTheOneConsumerOnTheCallersThread() {
        List<String> seen = new CopyOnWriteArrayList<>();
        Thread caller = Thread.currentThread();
        Mediator mediator = Mediator.builder()
                .consumer(ChargeCard.class, ctx -> seen.add(ctx.message().orderId() + " on caller: "
                        + (Thread.currentThread() == caller)))
                .build();
        UUID id = UUID.randomUUID();
        mediator.send(new ChargeCard(id));
        assertThat(seen).containsExactly(id + " on caller: true");
    }

    @Test
    void publishReachesConsumersOfTheRecordAndOfItsInterfacesInTheOrderAdded() {
        List<String> seen = new CopyOnWriteArrayList<>();
        Mediator mediator = Mediator.builder()
                .consumer(OrderEvent.class, ctx -> seen.add("event " + ctx.messageType().urn()))
                .consumer(OrderSubmitted.class, ctx -> seen.add("submitted " + ctx.message().customer()))
                .consumer(ChargeCard.class, ctx -> seen.add("never"))
                .build();
        mediator.publish(new OrderSubmitted(UUID.randomUUID(), "ada"));
        assertThat(seen).containsExactly("event " + MessageTypeRegistry.urnOf(OrderSubmitted.class), "submitted ada");
        mediator.publish(new CheckStock("nobody listens")); // no consumer: fine for publish
    }

    @Test
    void requestReturnsWhatTheConsumerResponded() {
        Mediator mediator = Mediator.builder()
                .consumer(CheckStock.class, ctx -> ctx.respond(new StockStatus(ctx.message().sku(), 3)))
                .build();
        assertThat(mediator.request(new CheckStock("sku-1"), StockStatus.class)).isEqualTo(new StockStatus("sku-1", 3));
    }

    @Test
    void aRequestWhoseConsumerDoesNotRespondFailsClearly() {
        Mediator mediator = Mediator.builder().consumer(CheckStock.class, ctx -> { }).build();
        assertThatThrownBy(() -> mediator.request(new CheckStock("x"), StockStatus.class))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("without responding");
    }

    @Test
    void sendAndRequestNeedExactlyOneConsumer() {
        Mediator mediator = Mediator.builder()
                .consumer(ChargeCard.class, ctx -> { })
                .consumer(ChargeCard.class, ctx -> { })
                .build();
        assertThatThrownBy(() -> mediator.send(new ChargeCard(UUID.randomUUID())))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("2 consumers");
        assertThatThrownBy(() -> mediator.send(new CheckStock("x")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("no consumer of")
                .hasMessageContaining("consumer(CheckStock.class");
    }

    @Test
    void exceptionsReachTheCallerUncheckedAsTheyAreCheckedWrapped() {
        IllegalArgumentException unchecked = new IllegalArgumentException("card declined");
        IOException checked = new IOException("disk full");
        Mediator mediator = Mediator.builder()
                .consumer(ChargeCard.class, ctx -> {
                    throw unchecked;
                })
                .consumer(CheckStock.class, ctx -> {
                    throw checked;
                })
                .build();
        assertThatThrownBy(() -> mediator.send(new ChargeCard(UUID.randomUUID()))).isSameAs(unchecked);
        assertThatThrownBy(() -> mediator.send(new CheckStock("x"))).isInstanceOf(CompletionException.class)
                .hasCauseReference(checked);
    }

    @Test
    void filtersRunAroundEachConsumerInTheOrderAddedAndCanSkipIt() {
        List<String> seen = new CopyOnWriteArrayList<>();
        Mediator mediator = Mediator.builder()
                .filter((ctx, next) -> {
                    seen.add("outer");
                    next.proceed(ctx);
                    seen.add("outer done");
                })
                .filter((ctx, next) -> {
                    if (ctx.message() instanceof CheckStock) {
                        seen.add("skipped");
                        return;
                    }
                    seen.add("inner");
                    next.proceed(ctx);
                })
                .consumer(ChargeCard.class, ctx -> seen.add("consumer"))
                .consumer(CheckStock.class, ctx -> seen.add("never"))
                .build();
        mediator.send(new ChargeCard(UUID.randomUUID()));
        mediator.send(new CheckStock("x"));
        assertThat(seen).containsExactly("outer", "inner", "consumer", "outer done", "outer", "skipped", "outer done");
    }

    @Test
    void aConsumerWrittenForTheBusRunsUnderTheMediatorUnchanged() throws Exception {
        OrderSubmittedConsumer consumer = new OrderSubmittedConsumer();
        List<UUID> charged = new CopyOnWriteArrayList<>();
        UUID viaMediator = UUID.randomUUID();
        Mediator mediator = Mediator.builder()
                .consumer(OrderSubmitted.class, consumer)
                .consumer(ChargeCard.class, ctx -> charged.add(ctx.message().orderId()))
                .build();
        mediator.publish(new OrderSubmitted(viaMediator, "ada"));
        assertThat(charged).containsExactly(viaMediator); // ctx.send ran before publish returned

        UUID viaBus = UUID.randomUUID();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .receiveEndpoint("orders", e -> e.consumer(OrderSubmitted.class, consumer))
                .receiveEndpoint("payments", e -> e.consumer(ChargeCard.class, ctx -> charged.add(ctx.message().orderId())))
                .start()) {
            bus.publish(new OrderSubmitted(viaBus, "bob")).get(5, TimeUnit.SECONDS);
            Waits.until("the card charged through the bus", Duration.ofSeconds(5), () -> charged.contains(viaBus));
        }
    }

    @Test
    void aResponseOutsideARequestIsPublishedAsOnABusWithoutResponseAddress() {
        List<StockStatus> published = new CopyOnWriteArrayList<>();
        Mediator mediator = Mediator.builder()
                .consumer(CheckStock.class, ctx -> ctx.respond(new StockStatus(ctx.message().sku(), 1)))
                .consumer(StockStatus.class, ctx -> published.add(ctx.message()))
                .build();
        mediator.send(new CheckStock("sku-9"));
        assertThat(published).containsExactly(new StockStatus("sku-9", 1));
    }

    @Test
    void theEnvelopeIsMadeOnDemandWithTheMessagesTypes() {
        List<Envelope> envelopes = new CopyOnWriteArrayList<>();
        Mediator mediator = Mediator.builder().consumer(OrderSubmitted.class, ctx -> {
            envelopes.add(ctx.envelope());
            assertThat(ctx.envelope()).isSameAs(envelopes.get(0));
            assertThat(ctx.messageId()).isEqualTo(envelopes.get(0).messageId());
        }).build();
        mediator.send(new OrderSubmitted(UUID.randomUUID(), "ada"));
        assertThat(envelopes.get(0).messageType()).containsExactly(MessageTypeRegistry.urnOf(OrderSubmitted.class),
                MessageTypeRegistry.urnOf(OrderEvent.class));
        assertThat(envelopes.get(0).messageId()).isNotNull();
    }
}
