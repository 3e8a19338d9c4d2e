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
import dev.omnibus.testing.Await;
import dev.omnibus.testing.VirtualClock;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Conformance tests of request/response: a request gets its response, also from another bus on
 * the same broker; it times out when nobody answers, neither before its timeout nor long after
 * (bounded on both sides, in real time and exactly on a virtual bus clock); and it fails with the
 * remote fault. Part of {@link TransportConformanceKit}.
 */
interface RequestConformance {
    /** A request timeout that fires this late (or never) fails the timeout tests. */
    Duration LATE_TIMEOUT = Duration.ofSeconds(10);
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

            Await.atMost(LATE_TIMEOUT).done("the unanswered request ends (a " + requestTimeout + " timeout that has not "
                    + "fired after " + LATE_TIMEOUT + " is broken)", f);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                    .cause().as("why the unanswered request failed").isInstanceOf(RequestTimeoutException.class);
            assertThat(took).as("time until the request timed out")
                    .isGreaterThanOrEqualTo(requestTimeout.minus(KitContext.CLOCK_SLACK))
                    .isLessThan(LATE_TIMEOUT);
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

    @Test
    default void requestTimeoutFiresOnTheBusClockAtItsTimeAndNotBefore() {
        KitContext kit = KitContext.of(this);
        String silent = kit.endpoint("silent-v");
        Duration requestTimeout = Duration.ofMillis(300);
        VirtualClock clock = new VirtualClock();
        CountDownLatch received = new CountDownLatch(1);
        try (Bus bus = kit.newBus()
                .clock(clock)
                .receiveEndpoint(silent, e -> e.consumer(Question.class, ctx -> received.countDown()))
                .start()) {
            CompletableFuture<Answer> f = bus.request(Address.queue(silent), new Question("anyone?"), Answer.class,
                    requestTimeout, SendOptions.defaults());
            kit.await().until("the silent endpoint receives the request", () -> received.getCount() == 0);

            clock.advance(requestTimeout.minusMillis(1));
            assertThat(f).as("the request 1 ms (bus clock) before its timeout").isNotDone();
            clock.advance(Duration.ofMillis(1));
            kit.await().done("the request at its timeout on the bus clock", f);
            assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                    .cause().as("why the unanswered request failed").isInstanceOf(RequestTimeoutException.class);
        }
    }

    @Test
    default void requestFromAnotherBusOnTheSameBrokerGetsItsResponse() {
        KitContext kit = KitContext.of(this);
        String responder = kit.endpoint("answer-2");
        AtomicReference<URI> responseAddress = new AtomicReference<>();
        try (Bus answering = kit.newBus()
                .receiveEndpoint(responder, e -> e.handler(Question.class, ctx -> {
                    responseAddress.set(ctx.envelope().responseAddress());
                    ctx.respond(new Answer(ctx.message().text().toUpperCase(java.util.Locale.ROOT)));
                }))
                .start();
             Bus asking = kit.newBus().start()) {
            CompletableFuture<Answer> sent = asking.request(Address.queue(responder), new Question("sent"), Answer.class,
                    kit.timeout(), SendOptions.defaults());
            CompletableFuture<Answer> published = asking.request(new Question("published"), Answer.class, kit.timeout());

            assertThat(kit.await().done("the response to the request sent from the other bus", sent).join())
                    .isEqualTo(new Answer("SENT"));
            assertThat(kit.await().done("the response to the request published from the other bus", published).join())
                    .isEqualTo(new Answer("PUBLISHED"));
            assertThat(responseAddress.get()).as("the response address the responder saw")
                    .isEqualTo(asking.address().uri())
                    .isNotEqualTo(answering.address().uri());
        }
    }
}
