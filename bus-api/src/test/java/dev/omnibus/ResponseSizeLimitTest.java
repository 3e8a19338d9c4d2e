package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A response is a body the bus reads too: one over the requester's {@code maxMessageSize} is dropped
 * unread (logged), never decoded, and the request fails at its timeout, while a response within the
 * limit still completes it. Two buses on one in-memory broker, the responder allowing more.
 */
class ResponseSizeLimitTest {
    record Ask(int size) {
    }

    record Answer(String text) {
    }

    @Test
    void aResponseOverTheRequestersLimitIsNotReadAndTheRequestTimesOut() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        try (Bus responder = Bus.builder().name("responder").transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("asks", e -> e.consumer(Ask.class, ctx -> ctx.respond(new Answer("x".repeat(ctx.message().size())))))
                .start();
                Bus requester = Bus.builder().name("requester").transport(InMemoryTransport.connect(broker))
                        .maxMessageSize(4096).start()) {
            Answer small = requester.request(Address.queue("asks"), new Ask(100), Answer.class, Duration.ofSeconds(10), SendOptions.defaults())
                    .get(10, TimeUnit.SECONDS);
            assertThat(small.text()).hasSize(100);

            CompletableFuture<Answer> big = requester.request(Address.queue("asks"), new Ask(64 * 1024), Answer.class,
                    Duration.ofSeconds(1), SendOptions.defaults());
            assertThatThrownBy(() -> big.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RequestTimeoutException.class);
        }
    }
}
