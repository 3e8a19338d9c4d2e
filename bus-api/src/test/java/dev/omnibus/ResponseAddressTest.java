package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryTransport;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link SendOptions#withResponseAddress}: the receiver's response and its fault are sent there, not published. */
class ResponseAddressTest {
    record CheckStock(String sku) {
    }

    record StockStatus(String sku, int available) {
    }

    record Explode(String why) {
    }

    @Test
    void theDefaultsCarryNoResponseAddress() {
        assertThat(SendOptions.defaults().responseAddress()).isNull();
        SendOptions o = SendOptions.defaults().withResponseAddress(Address.queue("orders")).withCorrelationId(UUID.randomUUID());
        assertThat(o.responseAddress()).as("kept by later withX copies").isEqualTo(Address.queue("orders"));
        assertThat(o.withResponseAddress(null).responseAddress()).isNull();
        assertThat(new SendOptions(null, null, null, null, null, null).responseAddress()).isNull();
    }

    @Test
    void aResponseGoesToTheResponseAddressWithTheCorrelationId() throws Exception {
        UUID correlation = UUID.randomUUID();
        CompletableFuture<ConsumeContext<StockStatus>> answered = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .receiveEndpoint("stock", e -> e.consumer(CheckStock.class, ctx -> ctx.respond(new StockStatus(ctx.message().sku(), 3))))
                .receiveEndpoint("orders", e -> e.consumer(StockStatus.class, answered::complete))
                .start()) {
            bus.send(Address.queue("stock"), new CheckStock("sku-1"),
                    SendOptions.defaults().withCorrelationId(correlation).withResponseAddress(Address.queue("orders")))
                    .get(5, TimeUnit.SECONDS);
            ConsumeContext<StockStatus> ctx = answered.get(5, TimeUnit.SECONDS);
            assertThat(ctx.message()).isEqualTo(new StockStatus("sku-1", 3));
            assertThat(ctx.correlationId()).isEqualTo(correlation);
            assertThat(ctx.envelope().destinationAddress()).as("sent to the queue, not published").isNotNull();
            assertThat(ctx.envelope().destinationAddress().toString()).contains("orders");
        }
    }

    @Test
    void aFaultGoesToTheResponseAddress() throws Exception {
        UUID correlation = UUID.randomUUID();
        CompletableFuture<ConsumeContext<Fault<Explode>>> faulted = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .receiveEndpoint("fragile", e -> e.consumer(Explode.class, ctx -> {
                    throw new IllegalStateException(ctx.message().why());
                }))
                .receiveEndpoint("orders", e -> e.faultConsumer(Explode.class, faulted::complete))
                .start()) {
            bus.send(Address.queue("fragile"), new Explode("boom"),
                    SendOptions.defaults().withCorrelationId(correlation).withResponseAddress(Address.queue("orders")))
                    .get(5, TimeUnit.SECONDS);
            ConsumeContext<Fault<Explode>> ctx = faulted.get(5, TimeUnit.SECONDS);
            assertThat(ctx.message().message()).isEqualTo(new Explode("boom"));
            assertThat(ctx.correlationId()).isEqualTo(correlation);
            assertThat(ctx.envelope().destinationAddress()).as("sent to the queue, not published").isNotNull();
        }
    }
}
