package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.RequestFaultException;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A response larger than the responder's transport {@code maxMessageSize}, to the requester's
 * temporary response queue, is refused before it is published: the requester's future fails with the
 * responder's fault naming the limit, well before its timeout, and nothing is published.
 */
class RabbitMqResponseSizeTest {
    record Ask(int bytes) {
    }

    record Answer(String payload) {
    }

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @Test
    void aResponseOverTheRespondersMaxMessageSizeFailsTheRequestWithTheReason() {
        String run = RunIds.next();
        String asks = "rs-asks-" + run;
        try (Bus responder = Bus.builder().transport(RabbitFixture.builder().maxMessageSize(1 << 20).build())
                .name("rs-responder-" + run)
                .receiveEndpoint(asks, e -> e.consumer(Ask.class, ctx -> ctx.respond(new Answer("x".repeat(ctx.message().bytes())))))
                .start();
                Bus requester = Bus.builder().transport(RabbitFixture.transport()).name("rs-requester-" + run).start()) {
            Answer small = requester.request(Address.queue(asks), new Ask(10), Answer.class, Duration.ofSeconds(30),
                    SendOptions.defaults()).join();
            assertThat(small.payload()).hasSize(10);

            CompletableFuture<Answer> big = requester.request(Address.queue(asks), new Ask(2 << 20), Answer.class,
                    Duration.ofSeconds(30), SendOptions.defaults());
            Await.atMost(Duration.ofSeconds(20)).done("the request with an oversized response (before its 30 s timeout)", big);
            Throwable failure = null;
            try {
                big.join();
            } catch (CompletionException e) {
                failure = e.getCause();
            }
            assertThat(failure).as("the request's failure").isInstanceOf(RequestFaultException.class);
            assertThat(failure.getMessage()).contains("maxMessageSize");
        }
    }
}
