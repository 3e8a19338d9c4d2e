package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryTransport;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A consumed message's headers flow to what its consumer produces, but never those a broker acts on
 * when a publish carries them: a message must not make the bus deliver copies elsewhere (RabbitMQ
 * routes a publish with {@code CC}/{@code BCC} to those routing keys too) or delay them.
 */
class ReservedHeadersTest {
    record Incoming(UUID id) {
    }

    record FollowUp(UUID id) {
    }

    @Test
    void ccBccAndBrokerHeadersOfAConsumedMessageDoNotReachWhatItsConsumerPublishes() throws Exception {
        CompletableFuture<Headers> seen = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .receiveEndpoint("in", e -> e.consumer(Incoming.class, ctx -> ctx.publish(new FollowUp(ctx.message().id()))))
                .receiveEndpoint("out", e -> e.consumer(FollowUp.class, ctx -> seen.complete(ctx.headers())))
                .start()) {
            Headers hostile = Headers.of("tenant", "acme")
                    .with("CC", "payments-queue").with("BCC", "audit-queue").with("x-delay", 86_400_000)
                    .with("x-death", "forged").with("x-first-death-queue", "q");
            bus.publish(new Incoming(UUID.randomUUID()), SendOptions.defaults().withHeaders(hostile)).get(5, TimeUnit.SECONDS);
            Headers h = seen.get(5, TimeUnit.SECONDS);
            assertThat(h.get("tenant")).as("application headers still flow").isEqualTo("acme");
            assertThat(h.names()).doesNotContain("CC", "BCC", "x-delay", "x-death", "x-first-death-queue");
        }
    }
}
