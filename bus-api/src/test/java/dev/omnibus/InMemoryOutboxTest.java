package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code ReceiveEndpointBuilder.useInMemoryOutbox()} on the in-memory transport: what a consumer
 * produces leaves once, only when it succeeded, and before its delivery is acknowledged.
 */
class InMemoryOutboxTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    record Work(int id, int failures) {
    }

    record Out(int id) {
    }

    /** Attempts per work id, and the {@link Out}s consumed per id. */
    private final Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> outs = new ConcurrentHashMap<>();
    private final List<Integer> faults = new CopyOnWriteArrayList<>();

    private Bus bus(dev.omnibus.spi.Transport transport, boolean outbox, Retry retry) {
        return Bus.builder().transport(transport)
                .receiveEndpoint("work", e -> {
                    e.retry(retry).consumer(Work.class, ctx -> {
                        int n = attempts.computeIfAbsent(ctx.message().id(), k -> new AtomicInteger()).incrementAndGet();
                        ctx.publish(new Out(ctx.message().id()));
                        if (n <= ctx.message().failures()) {
                            throw new IllegalStateException("attempt " + n + " of " + ctx.message().id() + " fails");
                        }
                    });
                    if (outbox) {
                        e.useInMemoryOutbox();
                    }
                })
                .receiveEndpoint("outs", e -> e.consumer(Out.class,
                        ctx -> outs.computeIfAbsent(ctx.message().id(), k -> new AtomicInteger()).incrementAndGet()))
                .receiveEndpoint("faults", e -> e.faultConsumer(Work.class, ctx -> faults.add(ctx.message().message().id())))
                .start();
    }

    /** Sends a work item that succeeds at once and waits for its output: everything produced before it has arrived. */
    private void flush(Bus bus, int id) {
        bus.send(Address.queue("work"), new Work(id, 0)).join();
        Waits.until("the output of work " + id, WAIT, () -> outs.containsKey(id), () -> outs);
    }

    @Test
    void aRetriedConsumerPublishesOnceFromTheAttemptThatSucceeded() {
        try (Bus bus = bus(InMemoryTransport.create(), true, Retry.immediate(3))) {
            bus.send(Address.queue("work"), new Work(1, 2)).join();
            Waits.until("work 1 consumed three times", WAIT, () -> attempts.containsKey(1) && attempts.get(1).get() == 3);
            flush(bus, 2);
            assertThat(outs.get(1)).as("outputs of work 1 (3 attempts, 2 failed)").hasValue(1);
            assertThat(outs.get(2)).hasValue(1);
            assertThat(bus.pipeline("work")).containsSubsequence("retry", "in-memory-outbox", "consumers");
        }
    }

    @Test
    void withoutTheOutboxEachAttemptPublishes() { // the behaviour the outbox changes
        try (Bus bus = bus(InMemoryTransport.create(), false, Retry.immediate(3))) {
            bus.send(Address.queue("work"), new Work(1, 2)).join();
            Waits.until("work 1 consumed three times", WAIT, () -> attempts.containsKey(1) && attempts.get(1).get() == 3);
            flush(bus, 2);
            assertThat(outs.get(1)).as("outputs of work 1 without the outbox").hasValue(3);
            assertThat(bus.pipeline("work")).doesNotContain("in-memory-outbox");
        }
    }

    @Test
    void aConsumerThatFailsForGoodPublishesNothing() {
        try (Bus bus = bus(InMemoryTransport.create(), true, Retry.immediate(1))) {
            bus.send(Address.queue("work"), new Work(1, 99)).join();
            Waits.until("the fault of work 1", WAIT, () -> faults.contains(1), () -> faults);
            flush(bus, 2);
            assertThat(attempts.get(1)).as("attempts of work 1").hasValue(2);
            assertThat(outs).as("outputs: only work 2's").containsOnlyKeys(2);
        }
    }

    @Test
    void aSuccessfulConsumersMessagesLeaveAfterItReturnedAndBeforeItsAck() {
        List<String> events = new CopyOnWriteArrayList<>();
        RecordingTransport transport = new RecordingTransport(InMemoryTransport.create(), events);
        try (Bus bus = Bus.builder().transport(transport)
                .receiveEndpoint("work", e -> e.useInMemoryOutbox().consumer(Work.class, ctx -> {
                    CompletableFuture<Void> f = ctx.send(Address.queue("outs"), new Out(ctx.message().id()));
                    events.add("held:" + f.isDone());
                    ctx.publish(new Out(ctx.message().id() + 100));
                    events.add("consumer returns");
                }))
                .receiveEndpoint("outs", e -> e.consumer(Out.class,
                        ctx -> outs.computeIfAbsent(ctx.message().id(), k -> new AtomicInteger()).incrementAndGet()))
                .start()) {
            bus.send(Address.queue("work"), new Work(7, 0)).join();
            Waits.until("the ack of work 7", WAIT, () -> events.contains("ack:work"), () -> events);
            Waits.until("both outputs consumed", WAIT, () -> outs.containsKey(7) && outs.containsKey(107), () -> outs);
            List<String> work = events.stream().filter(s -> !s.startsWith("ack:outs")).toList();
            assertThat(work).containsSubsequence("held:true", "consumer returns", "send:outs", "publish:"
                    + MessageTypeRegistry.urnOf(Out.class), "ack:work");
            String published = "publish:" + MessageTypeRegistry.urnOf(Out.class);
            assertThat(work.indexOf("send:outs")).as("the send leaves after the consumer returned")
                    .isGreaterThan(work.indexOf("consumer returns"));
            assertThat(work.indexOf("ack:work")).as("the first ack of work 7 comes after both messages left: %s", work)
                    .isGreaterThan(work.indexOf("send:outs")).isGreaterThan(work.indexOf(published));
        }
    }

    @Test
    void heldMessagesAreReportedToObserversWhenTheyLeaveAndAFailedAttemptsScheduledSendIsNeverScheduled() {
        List<Object> observed = new CopyOnWriteArrayList<>();
        try (Bus bus = Bus.builder().transport(InMemoryTransport.create())
                .observer(new dev.omnibus.spi.BusObserver() {
                    @Override
                    public void produced(Envelope envelope, Object message, Address destination, Envelope cause) {
                        if (message instanceof Out o) {
                            observed.add(o.id());
                        }
                    }
                })
                .receiveEndpoint("work", e -> e.retry(Retry.immediate(1)).useInMemoryOutbox().consumer(Work.class, ctx -> {
                    int n = attempts.computeIfAbsent(ctx.message().id(), k -> new AtomicInteger()).incrementAndGet();
                    ctx.send(Address.queue("outs"), new Out(ctx.message().id() * 10 + n),
                            SendOptions.defaults().withDelay(Duration.ofMillis(20)));
                    if (n <= ctx.message().failures()) {
                        assertThat(observed).as("observed while the consumer runs").isEmpty();
                        throw new IllegalStateException("attempt " + n + " fails");
                    }
                }))
                .receiveEndpoint("outs", e -> e.consumer(Out.class,
                        ctx -> outs.computeIfAbsent(ctx.message().id(), k -> new AtomicInteger()).incrementAndGet()))
                .start()) {
            bus.send(Address.queue("work"), new Work(1, 1)).join();
            Waits.until("the second attempt's scheduled output", WAIT, () -> outs.containsKey(12), () -> outs);
            bus.send(Address.queue("work"), new Work(3, 0)).join(); // scheduled after it, with the same delay
            Waits.until("work 3's scheduled output", WAIT, () -> outs.containsKey(31), () -> outs);
            assertThat(outs).as("scheduled outputs consumed: the failed attempt's (11) never").containsOnlyKeys(12, 31);
            assertThat(observed).as("observed: each leaving message once").containsExactly(12, 31);
        }
    }

    @Test
    void aHeldSendThatFailsPutsTheDeliveryBackAndOneThatCanNeverSucceedMovesItToError() {
        AtomicInteger refusals = new AtomicInteger();
        List<Integer> errors = new CopyOnWriteArrayList<>();
        DelegatingTransport flaky = new DelegatingTransport(InMemoryTransport.create()) {
            @Override
            public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
                String key = message.partitionKey();
                if (destination.name().equals("outs") && key != null && key.startsWith("fail-")) {
                    boolean forGood = key.equals("fail-always");
                    if (forGood || refusals.getAndIncrement() == 0) {
                        return CompletableFuture.failedFuture(new TransportException("refused by the test", null, !forGood));
                    }
                }
                return super.send(destination, message);
            }
        };
        try (Bus bus = Bus.builder().transport(flaky)
                .receiveEndpoint("work", e -> e.useInMemoryOutbox().consumer(Work.class, ctx -> {
                    attempts.computeIfAbsent(ctx.message().id(), k -> new AtomicInteger()).incrementAndGet();
                    String fail = ctx.message().id() == 1 ? "once" : ctx.message().id() == 2 ? "always" : null;
                    ctx.send(Address.queue("outs"), new Out(ctx.message().id()),
                            fail == null ? SendOptions.defaults() : SendOptions.defaults().withPartitionKey("fail-" + fail));
                }))
                .receiveEndpoint("outs", e -> e.consumer(Out.class,
                        ctx -> outs.computeIfAbsent(ctx.message().id(), k -> new AtomicInteger()).incrementAndGet()))
                .receiveEndpoint("work_error", e -> e.consumer(Work.class, ctx -> errors.add(ctx.message().id())))
                .start()) {
            bus.send(Address.queue("work"), new Work(1, 0)).join();
            bus.send(Address.queue("work"), new Work(2, 0)).join();
            Waits.until("work 1's output after its send failed once", WAIT, () -> outs.containsKey(1), () -> outs);
            Waits.until("work 2 in work_error", WAIT, () -> errors.contains(2), () -> errors);
            flush(bus, 3);
            assertThat(attempts.get(1)).as("work 1 ran again after its held send failed (retryable)").hasValue(2);
            assertThat(attempts.get(2)).as("work 2 ran once: its send can never succeed").hasValue(1);
            assertThat(outs).as("outputs").containsOnlyKeys(1, 3);
            assertThat(outs.get(1)).hasValue(1);
        }
    }

    /** The in-memory transport, recording each publish, send and acknowledgement in order. */
    static final class RecordingTransport extends DelegatingTransport {
        private final List<String> events;

        RecordingTransport(dev.omnibus.spi.Transport delegate, List<String> events) {
            super(delegate);
            this.events = events;
        }

        @Override
        public CompletableFuture<Void> publish(MessageType messageType, OutgoingMessage message) {
            events.add("publish:" + messageType.urn());
            return super.publish(messageType, message);
        }

        @Override
        public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
            if (!destination.name().equals("work")) {
                events.add("send:" + destination.name());
            }
            return super.send(destination, message);
        }

        @Override
        public ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler) {
            return super.receive(queue, settings, d -> handler.onDelivery(new Recorded(d, events)));
        }
    }

    /** A delivery that records its ack; {@code ackWith} is the SPI's default (sends, then {@link #ack}). */
    record Recorded(Delivery d, List<String> events) implements Delivery {
        @Override
        public byte[] body() {
            return d.body();
        }

        @Override
        public DecodedMessage reference() {
            return d.reference();
        }

        @Override
        public Headers headers() {
            return d.headers();
        }

        @Override
        public String queue() {
            return d.queue();
        }

        @Override
        public String orderingKey() {
            return d.orderingKey();
        }

        @Override
        public int deliveryCount() {
            return d.deliveryCount();
        }

        @Override
        public boolean isValid() {
            return d.isValid();
        }

        @Override
        public CompletionStage<Void> ack() {
            events.add("ack:" + d.queue());
            return d.ack();
        }

        @Override
        public CompletionStage<Void> requeue() {
            return d.requeue();
        }

        @Override
        public CompletionStage<Void> deadLetter(DeadLetterQueue queue, Headers extraHeaders) {
            return d.deadLetter(queue, extraHeaders);
        }
    }
}
