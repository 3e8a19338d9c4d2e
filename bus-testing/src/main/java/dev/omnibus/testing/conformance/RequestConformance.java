package dev.omnibus.testing.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.RequestFaultException;
import dev.omnibus.RequestTimeoutException;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.conformance.TransportConformanceKit.Answer;
import dev.omnibus.testing.conformance.TransportConformanceKit.Question;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Conformance tests of request/response: a request gets its response, times out when nobody
 * answers and fails with the remote fault. Part of {@link TransportConformanceKit}.
 */
interface RequestConformance {
    // ------------------------------------------------------------------------------------------
    // 5. Request / response

    @Test
    default void requestGetsItsResponse() {
        KitContext kit = KitContext.of(this);
        String responder = kit.endpoint("answer");
        try (Bus bus = kit.newBus()
                .receiveEndpoint(responder, e -> e.handler(Question.class,
                        ctx -> ctx.respond(new Answer(ctx.message().text().toUpperCase(java.util.Locale.ROOT)))))
                .start()) {
            CompletableFuture<Answer> published = bus.request(new Question("published"), Answer.class, kit.timeout());
            CompletableFuture<Answer> sent = bus.request(Address.queue(responder), new Question("sent"), Answer.class,
                    kit.timeout(), SendOptions.defaults());

            assertThat(kit.await().done("the response to the published request", published).join())
                    .isEqualTo(new Answer("PUBLISHED"));
            assertThat(kit.await().done("the response to the request sent to " + responder, sent).join())
                    .isEqualTo(new Answer("SENT"));
        }
    }

    @Test
    default void requestFailsWithTimeoutWhenNobodyAnswers() {
        KitContext kit = KitContext.of(this);
        String silent = kit.endpoint("silent");
        Duration requestTimeout = Duration.ofMillis(300);
        try (Bus bus = kit.newBus()
                .receiveEndpoint(silent, e -> e.consumer(Question.class, ctx -> { /* never answers */ }))
                .start()) {
            long start = System.nanoTime();
            CompletableFuture<Answer> f = bus.request(Address.queue(silent), new Question("anyone?"), Answer.class,
                    requestTimeout, SendOptions.defaults());

            kit.await().done("the unanswered request ends", f);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                    .cause().as("why the unanswered request failed").isInstanceOf(RequestTimeoutException.class);
            assertThat(took).as("time until the request timed out").isGreaterThanOrEqualTo(requestTimeout.minus(KitContext.CLOCK_SLACK));
        }
    }

    @Test
    default void requestFailsWithTheRemoteFault() {
        KitContext kit = KitContext.of(this);
        String responder = kit.endpoint("faulty");
        try (Bus bus = kit.newBus()
                .receiveEndpoint(responder, e -> e.handler(Question.class, ctx -> {
                    throw new IllegalArgumentException("no stock for " + ctx.message().text());
                }))
                .start()) {
            CompletableFuture<Answer> f = bus.request(Address.queue(responder), new Question("sku-42"), Answer.class,
                    kit.timeout(), SendOptions.defaults());

            kit.await().done("the request to a failing responder ends", f);
            assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                    .cause().as("why the request failed")
                    .isInstanceOfSatisfying(RequestFaultException.class, e -> {
                        assertThat(e).hasMessageContaining("no stock for sku-42");
                        assertThat(e.fault().exceptions()).as("exceptions in the fault").isNotEmpty();
                        assertThat(e.fault().exceptions().get(0).exceptionType())
                                .isEqualTo(IllegalArgumentException.class.getName());
                        assertThat(e.fault().message()).as("the request in the fault").isEqualTo(new Question("sku-42"));
                    });
        }
    }
}
