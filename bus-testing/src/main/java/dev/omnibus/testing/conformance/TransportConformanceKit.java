package dev.omnibus.testing.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.BusBuilder;
import dev.omnibus.BusStateException;
import dev.omnibus.Envelope;
import dev.omnibus.ExceptionInfo;
import dev.omnibus.Fault;
import dev.omnibus.Headers;
import dev.omnibus.MessageConsumer;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.RequestFaultException;
import dev.omnibus.RequestTimeoutException;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.SerializationException;
import dev.omnibus.json.CborEnvelopeSerializer;
import dev.omnibus.json.JsonEnvelopeSerializer;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Serializer;
import dev.omnibus.spi.Transport;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.conformance.QueueProbe.RawMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The transport conformance kit: the guarantees every Omnibus transport gives (DESIGN.md, "What
 * every transport must guarantee"), as JUnit 5 tests that drive real buses over the transport
 * under test. A transport is done when its module's subclass of this kit passes.
 *
 * <h2>Using it</h2>
 * A transport module extends the kit in its tests and says how to make a transport. Each call to
 * {@link #newTransport()} returns a <em>new, unstarted</em> transport connected to the
 * <em>same</em> broker for the whole test (several buses in one test compete on one queue that
 * way); the bus that is given the transport starts it and closes it when it stops.
 *
 * <pre>{@code
 * class RabbitMqConformanceTest extends TransportConformanceKit {
 *     @Override
 *     protected Transport newTransport() {
 *         return RabbitMqTransport.fromUri(RabbitFixture.uri());
 *     }
 *
 *     @Override
 *     protected Duration timeout() {
 *         return Duration.ofSeconds(30);   // a slower CI machine
 *     }
 * }
 *
 * class InMemoryConformanceTest extends TransportConformanceKit {
 *     private final InMemoryBroker broker = InMemoryBroker.create();   // a fresh broker per test
 *
 *     @Override
 *     protected Transport newTransport() {
 *         return InMemoryTransport.connect(broker);
 *     }
 * }
 * }</pre>
 *
 * <p>Hooks a subclass may override: {@link #timeout()} (the deadline of every wait, default
 * 20 s), {@link #configureBus(BusBuilder)} (bus settings a transport needs, applied to every bus
 * the kit builds) and {@link #afterEachTest()} (clean-up that must run after the kit closed its
 * own transports; JUnit runs a subclass's {@code @AfterEach} methods before the kit's). A test
 * that a transport cannot pass by design (ordering on a broker without ordering, say) is switched
 * off by overriding it with {@code @Disabled("why")}; every test method is public for that. The
 * ordering test is skipped (aborted, reported as skipped) by itself for a transport whose
 * {@link dev.omnibus.spi.TransportCapabilities#orderedByKey()} is false.
 *
 * <h2>What the tests rely on</h2>
 * Every test uses endpoint names unique to its run ({@code cf-<role>-<random>}), so queues left on
 * a real broker by earlier runs never interfere, and it closes the buses it started. Error and
 * skipped queues are read below the bus, with a receive loop on a transport of the kit's own. No
 * test sleeps: every wait is an {@link Await} with {@link #timeout()} as its deadline, so the kit
 * runs as fast as the transport allows (a few seconds in memory) and a broken transport fails
 * with a message saying what did not happen, never hangs. Where a test must show that something
 * did <em>not</em> happen (a second copy, a message in the error queue), it sends a marker behind
 * it through the same queue and waits for the marker, so a straggler would have been seen. The
 * few timing assertions are lower bounds (a delayed message does not arrive early), never speed
 * requirements.
 *
 * <h2>Threading and failures</h2>
 * JUnit runs each test on its own instance of the subclass (the default per-method life cycle),
 * so per-test state in fields is safe. Consumers run on the buses' threads and record what they
 * see in thread-safe collections that the test thread polls. A failing guarantee fails its test
 * with an {@link AssertionError} that names the guarantee; an exception from the transport
 * (a {@link dev.omnibus.TransportException} from a publish, say) fails the test with that
 * exception. The kit itself is not thread-safe and is not meant to be shared across tests.
 */
public abstract class TransportConformanceKit {
    /** How far a measured delay may fall short of its nominal value (clock granularity), in the lower-bound checks. */
    private static final Duration CLOCK_SLACK = Duration.ofMillis(25);
    private static final JsonEnvelopeSerializer ENVELOPES = JsonEnvelopeSerializer.create();
    private static final CborEnvelopeSerializer CBOR_ENVELOPES = CborEnvelopeSerializer.create();

    /** Counted by {@link UnregisteredProbe}'s static initializer; must stay 0. */
    static final AtomicInteger UNREGISTERED_PROBE_INITIALIZATIONS = new AtomicInteger();

    private final String runId = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE).substring(0, 8);
    private final AtomicInteger busCount = new AtomicInteger();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private Transport probeTransport;

    // ------------------------------------------------------------------------------------------
    // What a transport module provides

    /**
     * A new, unstarted transport connected to the broker of the current test. Called several
     * times per test; every transport returned during one test must reach the same queues.
     */
    protected abstract Transport newTransport();

    /** The deadline of every wait in the kit (default 20 s); raise it for slow brokers. */
    protected Duration timeout() {
        return Duration.ofSeconds(20);
    }

    /**
     * Applies settings the transport needs to each bus the kit builds (default: none). Called
     * after the kit set the transport and the bus name, before the kit adds its endpoints.
     */
    protected BusBuilder configureBus(BusBuilder builder) {
        return builder;
    }

    /** Runs after each test, after the kit closed its own transports (default: nothing). */
    protected void afterEachTest() throws Exception {
    }

    /** Closes what the kit opened for the test, then calls {@link #afterEachTest()}. */
    @AfterEach
    public final void closeKitResources() throws Exception {
        Exception first = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        resources.clear();
        afterEachTest();
        if (first != null) {
            throw first;
        }
    }

    // ------------------------------------------------------------------------------------------
    // 2. Publish fans out; consumers on one endpoint compete

    @Test
    public void publishReachesEveryEndpointThatConsumesTheTypeOrAnInterface() {
        String first = endpoint("fan-a");
        String second = endpoint("fan-b");
        String byInterface = endpoint("fan-i");
        Seen<UUID> fanOuts = new Seen<>();
        Seen<UUID> markers = new Seen<>();
        UUID id = UUID.randomUUID();
        UUID marker = UUID.randomUUID();
        try (Bus bus = newBus()
                .receiveEndpoint(first, e -> e
                        .consumer(FanOut.class, ctx -> fanOuts.add(ctx.endpoint(), ctx.message().id()))
                        .consumer(Marker.class, ctx -> markers.add(ctx.endpoint(), ctx.message().id())))
                .receiveEndpoint(second, e -> e
                        .consumer(FanOut.class, ctx -> fanOuts.add(ctx.endpoint(), ctx.message().id()))
                        .consumer(Marker.class, ctx -> markers.add(ctx.endpoint(), ctx.message().id())))
                .receiveEndpoint(byInterface, e -> e
                        .consumer(FanOutEvent.class, ctx -> fanOuts.add(ctx.endpoint(), ctx.message().id()))
                        .consumer(Marker.class, ctx -> markers.add(ctx.endpoint(), ctx.message().id())))
                .start()) {
            confirmed(bus.publish(new FanOut(id)));
            confirmed(bus.publish(new Marker(marker)));

            await().until("the marker published after the message reaches all three endpoints",
                    () -> List.of(markers.at(first), markers.at(second), markers.at(byInterface)),
                    seen -> seen.stream().allMatch(l -> l.contains(marker)));
            for (String endpoint : List.of(first, second, byInterface)) {
                assertThat(fanOuts.at(endpoint)).as("copies of the published message consumed at endpoint %s", endpoint)
                        .filteredOn(id::equals).hasSize(1);
            }
        }
    }

    @Test
    public void competingConsumersOnOneEndpointEachMessageOnce() {
        String queue = endpoint("compete");
        int count = 200;
        UUID batch = UUID.randomUUID();
        Map<Integer, AtomicInteger> consumptions = new ConcurrentHashMap<>();
        AtomicInteger byFirst = new AtomicInteger();
        AtomicInteger bySecond = new AtomicInteger();
        CountDownLatch bothBusy = new CountDownLatch(2);
        Duration meetWithin = timeout().dividedBy(2);
        try (Bus first = newBus()
                .receiveEndpoint(queue, e -> e.consumer(Numbered.class,
                        competitor(batch, byFirst, bothBusy, meetWithin, consumptions)))
                .start();
             Bus second = newBus()
                .receiveEndpoint(queue, e -> e.consumer(Numbered.class,
                        competitor(batch, bySecond, bothBusy, meetWithin, consumptions)))
                .start()) {
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int n = 0; n < count; n++) {
                published.add(first.publish(new Numbered(batch, n)));
            }
            confirmed(published);
            await().until(count + " distinct messages consumed across both buses", consumptions::size, s -> s >= count);
            first.stop(); // in-flight deliveries finish: a duplicate on its way would be counted now
            second.stop();

            assertThat(consumptions.keySet()).as("numbers consumed").containsExactlyInAnyOrderElementsOf(
                    IntStream.range(0, count).boxed().toList());
            assertThat(consumptions.entrySet().stream()
                    .filter(en -> en.getValue().get() != 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, en -> en.getValue().get())))
                    .as("numbers consumed more than once (number -> times)").isEmpty();
            assertThat(byFirst.get()).as("messages consumed by the first bus (consumers on one queue compete)").isPositive();
            assertThat(bySecond.get()).as("messages consumed by the second bus (consumers on one queue compete)").isPositive();
        }
    }

    /** A consumer that counts, and on its first message waits a while for the other bus's first message. */
    private static MessageConsumer<Numbered> competitor(UUID batch, AtomicInteger mine, CountDownLatch bothBusy,
            Duration meetWithin, Map<Integer, AtomicInteger> consumptions) {
        return ctx -> {
            if (!batch.equals(ctx.message().batch())) {
                return;
            }
            consumptions.computeIfAbsent(ctx.message().n(), k -> new AtomicInteger()).incrementAndGet();
            if (mine.getAndIncrement() == 0) {
                // hold this bus's first message until the other bus has one too, so that one fast bus
                // cannot drain the queue alone; if the other never gets one, the final check says so
                bothBusy.countDown();
                bothBusy.await(meetWithin.toMillis(), TimeUnit.MILLISECONDS);
            }
        };
    }

    // ------------------------------------------------------------------------------------------
    // 3. Send is point to point

    @Test
    public void sendReachesOnlyTheAddressedEndpoint() {
        String addressed = endpoint("send-to");
        String other = endpoint("send-other");
        Seen<UUID> orders = new Seen<>();
        Seen<UUID> markers = new Seen<>();
        UUID id = UUID.randomUUID();
        try (Bus bus = newBus()
                .receiveEndpoint(addressed, e -> e
                        .consumer(Order.class, ctx -> orders.add(ctx.endpoint(), ctx.message().id()))
                        .consumer(Marker.class, ctx -> markers.add(ctx.endpoint(), ctx.message().id())))
                .receiveEndpoint(other, e -> e
                        .consumer(Order.class, ctx -> orders.add(ctx.endpoint(), ctx.message().id()))
                        .consumer(Marker.class, ctx -> markers.add(ctx.endpoint(), ctx.message().id())))
                .start()) {
            confirmed(bus.send(Address.queue(addressed), new Order(id)));
            UUID marker = UUID.randomUUID();
            confirmed(bus.send(Address.queue(addressed), new Marker(marker)));
            confirmed(bus.send(Address.queue(other), new Marker(marker)));

            await().until("markers sent after the message reach both endpoints",
                    () -> List.of(markers.at(addressed), markers.at(other)),
                    seen -> seen.stream().allMatch(l -> l.contains(marker)));
            assertThat(orders.at(addressed)).as("copies consumed at the addressed endpoint").filteredOn(id::equals).hasSize(1);
            assertThat(orders.at(other)).as("copies consumed at an endpoint the message was not sent to")
                    .filteredOn(id::equals).isEmpty();
        }
    }

    // ------------------------------------------------------------------------------------------
    // 5. Request / response

    @Test
    public void requestGetsItsResponse() {
        String responder = endpoint("answer");
        try (Bus bus = newBus()
                .receiveEndpoint(responder, e -> e.handler(Question.class,
                        ctx -> ctx.respond(new Answer(ctx.message().text().toUpperCase(java.util.Locale.ROOT)))))
                .start()) {
            CompletableFuture<Answer> published = bus.request(new Question("published"), Answer.class, timeout());
            CompletableFuture<Answer> sent = bus.request(Address.queue(responder), new Question("sent"), Answer.class,
                    timeout(), SendOptions.defaults());

            assertThat(await().done("the response to the published request", published).join())
                    .isEqualTo(new Answer("PUBLISHED"));
            assertThat(await().done("the response to the request sent to " + responder, sent).join())
                    .isEqualTo(new Answer("SENT"));
        }
    }

    @Test
    public void requestFailsWithTimeoutWhenNobodyAnswers() {
        String silent = endpoint("silent");
        Duration requestTimeout = Duration.ofMillis(300);
        try (Bus bus = newBus()
                .receiveEndpoint(silent, e -> e.consumer(Question.class, ctx -> { /* never answers */ }))
                .start()) {
            long start = System.nanoTime();
            CompletableFuture<Answer> f = bus.request(Address.queue(silent), new Question("anyone?"), Answer.class,
                    requestTimeout, SendOptions.defaults());

            await().done("the unanswered request ends", f);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                    .cause().as("why the unanswered request failed").isInstanceOf(RequestTimeoutException.class);
            assertThat(took).as("time until the request timed out").isGreaterThanOrEqualTo(requestTimeout.minus(CLOCK_SLACK));
        }
    }

    @Test
    public void requestFailsWithTheRemoteFault() {
        String responder = endpoint("faulty");
        try (Bus bus = newBus()
                .receiveEndpoint(responder, e -> e.handler(Question.class, ctx -> {
                    throw new IllegalArgumentException("no stock for " + ctx.message().text());
                }))
                .start()) {
            CompletableFuture<Answer> f = bus.request(Address.queue(responder), new Question("sku-42"), Answer.class,
                    timeout(), SendOptions.defaults());

            await().done("the request to a failing responder ends", f);
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

    // ------------------------------------------------------------------------------------------
    // 4. Faults, error and skipped queues

    @Test
    public void failingConsumerIsRetriedThenMovedToErrorQueueWithFaultHeaders() {
        String failing = endpoint("fail");
        String faults = endpoint("faults");
        Doomed doomed = new Doomed(UUID.randomUUID(), "a note");
        UUID messageId = UUID.randomUUID();
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        Queue<Fault<Doomed>> faultsSeen = new ConcurrentLinkedQueue<>();
        Instant before = Instant.now();
        try (Bus bus = newBus()
                .receiveEndpoint(failing, e -> e
                        .retry(Retry.immediate(2))
                        .consumer(Doomed.class, ctx -> {
                            if (!ctx.message().equals(doomed)) {
                                return;
                            }
                            attempts.add(ctx.retryAttempt());
                            throw new IllegalStateException("doomed " + ctx.message().id());
                        }))
                .receiveEndpoint(faults, e -> e.faultConsumer(Doomed.class, ctx -> faultsSeen.add(ctx.message())))
                .start()) {
            QueueProbe errors = probe(failing + "_error");
            confirmed(bus.publish(doomed, SendOptions.defaults().withMessageId(messageId)));

            RawMessage moved = errors.awaitMessage(await(), "the failed message",
                    m -> messageId.equals(messageIdOf(m)));
            Fault<Doomed> fault = await().until("a Fault<Doomed> consumed at " + faults,
                    () -> faultsSeen.stream().filter(f -> doomed.equals(f.message())).findFirst().orElse(null),
                    f -> f != null);

            assertThat(attempts).as("retry attempts the consumer saw (Retry.immediate(2))").containsExactly(0, 1, 2);
            assertThat(decode(moved, Doomed.class)).as("the message in the error queue").isEqualTo(doomed);
            assertThat(moved.header("MT-Reason")).isEqualTo("fault");
            assertThat(moved.header("MT-Fault-ExceptionType")).isEqualTo(IllegalStateException.class.getName());
            assertThat(moved.header("MT-Fault-Message")).isEqualTo("doomed " + doomed.id());
            assertThat(moved.header("MT-Fault-StackTrace")).as("MT-Fault-StackTrace")
                    .contains(IllegalStateException.class.getName());
            assertThat(moved.header("MT-Fault-Timestamp")).as("MT-Fault-Timestamp").isNotBlank();
            assertThat(Instant.parse(moved.header("MT-Fault-Timestamp"))).as("MT-Fault-Timestamp")
                    .isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));
            assertThat(moved.header("MT-Fault-InputAddress")).as("MT-Fault-InputAddress").isNotBlank();
            assertThat(Address.parse(moved.header("MT-Fault-InputAddress")).name()).as("endpoint of MT-Fault-InputAddress")
                    .isEqualTo(failing);
            assertThat(moved.header("MT-Fault-RetryCount")).as("MT-Fault-RetryCount").isEqualTo("2");
            assertThat(moved.header("MT-Host-MachineName")).as("MT-Host-MachineName").isNotBlank();

            assertThat(fault.faultedMessageId()).as("faultedMessageId").isEqualTo(messageId);
            assertThat(fault.exceptions()).as("exceptions in the fault").isNotEmpty();
            ExceptionInfo thrown = fault.exceptions().get(0);
            assertThat(thrown.exceptionType()).isEqualTo(IllegalStateException.class.getName());
            assertThat(thrown.message()).isEqualTo("doomed " + doomed.id());
            assertThat(fault.faultMessageTypes()).as("faultMessageTypes").contains(MessageTypeRegistry.urnOf(Doomed.class));

            errors.awaitDrained(await());
            assertThat(errors.messages()).as("messages in " + failing + "_error").hasSize(1);
        }
    }

    @Test
    public void messageOfAnUnconsumedTypeGoesToSkipped() {
        String queue = endpoint("skip");
        UUID strayMessageId = UUID.randomUUID();
        Stray stray = new Stray(UUID.randomUUID());
        UUID good = UUID.randomUUID();
        Queue<UUID> consumed = new ConcurrentLinkedQueue<>();
        try (Bus bus = newBus()
                .messageType(Stray.class)
                .receiveEndpoint(queue, e -> e.consumer(Good.class, ctx -> consumed.add(ctx.message().id())))
                .start()) {
            QueueProbe skipped = probe(queue + "_skipped");
            QueueProbe errors = probe(queue + "_error");
            confirmed(bus.send(Address.queue(queue), stray, SendOptions.defaults().withMessageId(strayMessageId)));
            confirmed(bus.send(Address.queue(queue), new Good(good)));

            await().until("the message sent after the unconsumed one is consumed", () -> consumed.contains(good));
            RawMessage moved = skipped.awaitMessage(await(), "the message of a type the endpoint does not consume",
                    m -> strayMessageId.equals(messageIdOf(m)));
            assertThat(decode(moved, Stray.class)).as("the message in the skipped queue").isEqualTo(stray);
            assertThat(moved.header("MT-Reason")).as("MT-Reason").isEqualTo("dead-letter");
            errors.awaitDrained(await());
            assertThat(errors.messages()).as("messages in " + queue + "_error").isEmpty();
        }
    }

    /** Bodies the bus cannot read: each goes to {@code _error} with a reason naming the problem. */
    public enum MalformedBody {
        /** Not JSON at all. */
        NOT_JSON("JSON"),
        /** A JSON envelope without {@code messageType}. */
        NO_MESSAGE_TYPE("messageType"),
        /** A valid envelope of a consumed type, larger than the bus's {@code maxMessageSize}. */
        OVER_MAX_MESSAGE_SIZE(String.valueOf(SMALL_MAX_MESSAGE_SIZE));

        private final String reasonMentions;

        MalformedBody(String reasonMentions) {
            this.reasonMentions = reasonMentions;
        }

        byte[] body(UUID messageId, UUID badId) {
            String json = switch (this) {
                case NOT_JSON -> "not json";
                case NO_MESSAGE_TYPE -> "{\"messageId\":\"" + messageId + "\",\"message\":{\"id\":\"" + badId + "\"}}";
                case OVER_MAX_MESSAGE_SIZE -> "{\"messageId\":\"" + messageId + "\",\"messageType\":[\""
                        + MessageTypeRegistry.urnOf(Good.class) + "\"],\"message\":{\"id\":\"" + badId
                        + "\",\"padding\":\"" + "x".repeat(2 * SMALL_MAX_MESSAGE_SIZE) + "\"}}";
            };
            return json.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The {@code maxMessageSize} of the bus in the malformed-body tests. */
    static final int SMALL_MAX_MESSAGE_SIZE = 8192;

    @ParameterizedTest(name = "{0}")
    @EnumSource(MalformedBody.class)
    public void malformedBodyGoesToErrorQueueAndLaterMessagesStillArrive(MalformedBody malformed) {
        UUID messageId = UUID.randomUUID();
        UUID badId = UUID.randomUUID();
        byte[] body = malformed.body(messageId, badId);
        RawMessage moved = setAside(endpoint("bad"), body, messageId, badId, "_error");
        assertThat(moved.header("MT-Reason")).as("MT-Reason").isEqualTo("fault");
        assertThat(moved.header("MT-Fault-ExceptionType")).as("MT-Fault-ExceptionType")
                .isEqualTo(SerializationException.class.getName());
        assertThat(moved.header("MT-Fault-Message")).as("MT-Fault-Message (the reason)")
                .containsIgnoringCase(malformed.reasonMentions);
        assertThat(moved.header("MT-Fault-InputAddress")).as("MT-Fault-InputAddress").isNotBlank();
        assertThat(moved.header("MT-Host-MachineName")).as("MT-Host-MachineName").isNotBlank();
    }

    /** Message types no bus registers: each goes to {@code _skipped}, and no class is loaded by its name. */
    public enum UnregisteredType {
        /** A URN no Java type has. */
        UNKNOWN_URN("urn:message:Omnibus.Conformance:NoSuchType"),
        /** A real JDK class that must never be instantiated from a message. */
        JDK_CLASS("urn:message:java.lang:ProcessBuilder"),
        /** A real class on the classpath whose static initializer reports being loaded. */
        CLASSPATH_RECORD("urn:message:dev.omnibus.testing.conformance:UnregisteredProbe");

        private final String urn;

        UnregisteredType(String urn) {
            this.urn = urn;
        }

        byte[] body(UUID messageId) {
            return ("{\"messageId\":\"" + messageId + "\",\"messageType\":[\"" + urn
                    + "\"],\"message\":{\"command\":[\"touch\",\"/tmp/omnibus-conformance-pwned\"]}}")
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(UnregisteredType.class)
    public void bodyNamingAnUnregisteredTypeGoesToSkippedAndNothingIsInstantiated(UnregisteredType type) {
        UUID messageId = UUID.randomUUID();
        RawMessage moved = setAside(endpoint("unknown"), type.body(messageId), messageId, null, "_skipped");
        assertThat(moved.header("MT-Reason")).as("MT-Reason").isEqualTo("dead-letter");
        assertThat(UNREGISTERED_PROBE_INITIALIZATIONS.get())
                .as("initializations of a class named only by a message").isZero();
    }

    /**
     * Puts {@code body} on the endpoint's queue below the bus, then a good message through the bus;
     * checks the good one is consumed (the loop keeps going), the bad one never reaches a consumer,
     * and it lands unchanged in {@code endpoint + queueSuffix} (and nothing in the other dead-letter
     * queue). Returns it.
     */
    private RawMessage setAside(String queue, byte[] body, UUID messageId, UUID badId, String queueSuffix) {
        UUID good = UUID.randomUUID();
        Queue<UUID> consumed = new ConcurrentLinkedQueue<>();
        String otherSuffix = queueSuffix.equals("_error") ? "_skipped" : "_error";
        try (Bus bus = newBus()
                .maxMessageSize(SMALL_MAX_MESSAGE_SIZE)
                .receiveEndpoint(queue, e -> e.consumer(Good.class, ctx -> consumed.add(ctx.message().id())))
                .start()) {
            QueueProbe target = probe(queue + queueSuffix);
            QueueProbe other = probe(queue + otherSuffix);
            confirmed(probeTransport().send(Address.queue(queue), new OutgoingMessage(body,
                    Headers.of(OutgoingMessage.CONTENT_TYPE, JsonEnvelopeSerializer.CONTENT_TYPE)
                            .with(OutgoingMessage.MESSAGE_ID, messageId.toString()), null, null)));
            confirmed(bus.send(Address.queue(queue), new Good(good)));

            await().until("the good message sent after the bad one is consumed", () -> consumed.contains(good));
            RawMessage moved = target.awaitMessage(await(), "the unreadable message", m -> Arrays.equals(m.body(), body));
            target.awaitDrained(await());
            other.awaitDrained(await());
            assertThat(consumed).as("messages consumed").containsExactly(good);
            if (badId != null) {
                assertThat(consumed).as("messages consumed").doesNotContain(badId);
            }
            assertThat(target.messages()).as("messages in " + queue + queueSuffix).hasSize(1);
            assertThat(other.messages()).as("messages in " + queue + otherSuffix).isEmpty();
            return moved;
        }
    }

    // ------------------------------------------------------------------------------------------
    // 6. Delayed redelivery and scheduled send

    @Test
    public void delayedRedeliveryDeliversAgainLater() {
        String queue = endpoint("redeliver");
        Duration wait = Duration.ofMillis(200);
        Flaky flaky = new Flaky(UUID.randomUUID());
        List<Attempt> attempts = new CopyOnWriteArrayList<>();
        try (Bus bus = newBus()
                .receiveEndpoint(queue, e -> e
                        .redelivery(Retry.intervals(wait))
                        .consumer(Flaky.class, ctx -> {
                            if (!ctx.message().equals(flaky)) {
                                return;
                            }
                            attempts.add(new Attempt(ctx.redeliveryCount(), System.nanoTime()));
                            if (ctx.redeliveryCount() == 0) {
                                throw new IllegalStateException("the first delivery fails on purpose");
                            }
                        }))
                .start()) {
            QueueProbe errors = probe(queue + "_error");
            confirmed(bus.send(Address.queue(queue), flaky));

            await().until("the failed message is consumed again by a redelivery", () -> attempts.size() >= 2);
            errors.awaitDrained(await());
            assertThat(attempts).extracting(Attempt::redeliveryCount).as("redeliveryCount of each delivery")
                    .containsExactly(0, 1);
            assertThat(Duration.ofNanos(attempts.get(1).nanoTime() - attempts.get(0).nanoTime()))
                    .as("time between the failure and the redelivery").isGreaterThanOrEqualTo(wait.minus(CLOCK_SLACK));
            assertThat(errors.messages()).as("messages in " + queue + "_error").isEmpty();
        }
    }

    @Test
    public void scheduledSendArrivesAfterItsDelay() {
        String queue = endpoint("later");
        Duration delay = Duration.ofMillis(300);
        UUID id = UUID.randomUUID();
        AtomicReference<Long> arrived = new AtomicReference<>();
        try (Bus bus = newBus()
                .receiveEndpoint(queue, e -> e.consumer(Later.class, ctx -> {
                    if (ctx.message().id().equals(id)) {
                        arrived.compareAndSet(null, System.nanoTime());
                    }
                }))
                .start()) {
            long sent = System.nanoTime();
            confirmed(bus.send(Address.queue(queue), new Later(id), SendOptions.defaults().withDelay(delay)));

            long at = await().until("the scheduled message arrives", arrived::get, t -> t != null);
            assertThat(Duration.ofNanos(at - sent)).as("time from the scheduled send to the message's arrival")
                    .isGreaterThanOrEqualTo(delay.minus(CLOCK_SLACK));
        }
    }

    // ------------------------------------------------------------------------------------------
    // 9. Headers flow

    @Test
    public void headersAndCorrelationFlowToProducedMessages() {
        String starts = endpoint("flow-start");
        String followUps = endpoint("flow-next");
        UUID id = UUID.randomUUID();
        UUID correlationId = UUID.randomUUID();
        UUID messageId = UUID.randomUUID();
        AtomicReference<Envelope> startEnvelope = new AtomicReference<>();
        AtomicReference<Envelope> followUpEnvelope = new AtomicReference<>();
        try (Bus bus = newBus()
                .receiveEndpoint(starts, e -> e.consumer(Start.class, ctx -> {
                    if (ctx.message().id().equals(id)) {
                        startEnvelope.set(ctx.envelope());
                        ctx.publish(new FollowUp(id));
                    }
                }))
                .receiveEndpoint(followUps, e -> e.consumer(FollowUp.class, ctx -> {
                    if (ctx.message().id().equals(id)) {
                        followUpEnvelope.set(ctx.envelope());
                    }
                }))
                .start()) {
            confirmed(bus.publish(new Start(id), SendOptions.defaults()
                    .withMessageId(messageId)
                    .withCorrelationId(correlationId)
                    .withHeader("X-Conformance-Tenant", "acme")));

            Envelope next = await().until("the follow-up message is consumed", followUpEnvelope::get, env -> env != null);
            Envelope first = startEnvelope.get();
            assertThat(first.messageId()).as("messageId of the first message").isEqualTo(messageId);
            assertThat(first.correlationId()).as("correlationId of the first message").isEqualTo(correlationId);
            assertThat(first.headers().getString("X-Conformance-Tenant")).as("custom header of the first message")
                    .contains("acme");
            assertThat(first.conversationId()).as("conversationId of the first message").isNotNull();
            assertThat(next.correlationId()).as("correlationId of the follow-up").isEqualTo(correlationId);
            assertThat(next.conversationId()).as("conversationId of the follow-up").isEqualTo(first.conversationId());
            assertThat(next.initiatorId()).as("initiatorId of the follow-up").isEqualTo(messageId);
            assertThat(next.headers().getString("X-Conformance-Tenant")).as("custom header of the follow-up")
                    .contains("acme");
        }
    }

    // ------------------------------------------------------------------------------------------
    // 8. Graceful stop; 1. at-least-once

    @Test
    public void gracefulStopLosesNothing() {
        String queue = endpoint("graceful");
        int total = 100;
        int freeRun = 20;
        int concurrency = 4;
        Set<UUID> ids = new HashSet<>();
        Set<UUID> byFirst = ConcurrentHashMap.newKeySet();
        Set<UUID> bySecond = ConcurrentHashMap.newKeySet();
        AtomicInteger entered = new AtomicInteger();
        AtomicInteger completedByFirst = new AtomicInteger();
        CountDownLatch gate = new CountDownLatch(1);
        StopObservingTransport watched = new StopObservingTransport(newTransport());
        try (Bus first = newBus(watched)
                .receiveEndpoint(queue, e -> e.concurrency(concurrency).consumer(Work.class, ctx -> {
                    if (entered.incrementAndGet() > freeRun) {
                        gate.await(timeout().toMillis(), TimeUnit.MILLISECONDS); // in flight until the stop began
                    }
                    byFirst.add(ctx.message().id());
                    completedByFirst.incrementAndGet();
                }))
                .start()) {
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                published.add(first.publish(new Work(id)));
            }
            confirmed(published);
            await().until(freeRun + " messages consumed and " + concurrency + " more in flight", entered::get,
                    n -> n >= freeRun + concurrency);

            CompletableFuture<Void> stopped = inBackground("conformance-stop", first::stop);
            await().until("the stopping bus stops taking deliveries from " + queue,
                    () -> watched.deliveriesStopped(queue));
            gate.countDown();
            await().done("stop() returns once the deliveries in flight finished", stopped).join();

            assertThat(completedByFirst.get()).as("deliveries the first bus completed (those in flight at stop finish)")
                    .isGreaterThanOrEqualTo(freeRun + concurrency);
            assertThat(byFirst.size()).as("messages the first bus consumed (the stop came mid-way)").isLessThan(total);
        } finally {
            gate.countDown();
        }
        Bus second = newBus()
                .receiveEndpoint(queue, e -> e.concurrency(concurrency).consumer(Work.class,
                        ctx -> bySecond.add(ctx.message().id())))
                .start();
        try (second) {
            await().until("every message consumed by one of the two buses", () -> missing(ids, byFirst, bySecond),
                    Set::isEmpty);
        }
    }

    @Test
    public void consumerBlockingPastTheStopTimeoutIsInterruptedAndItsMessageGoesBack() {
        String queue = endpoint("stuck");
        Duration stopTimeout = Duration.ofMillis(200);
        UUID id = UUID.randomUUID();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicReference<Boolean> redelivered = new AtomicReference<>();
        QueueProbe errors;
        try (Bus first = newBus()
                .stopTimeout(stopTimeout)
                .receiveEndpoint(queue, e -> e.consumer(Work.class, ctx -> {
                    if (!ctx.message().id().equals(id)) {
                        return;
                    }
                    entered.countDown();
                    try {
                        never.await();
                    } catch (InterruptedException ie) {
                        interrupted.set(true);
                        throw ie;
                    }
                }))
                .start()) {
            errors = probe(queue + "_error");
            confirmed(first.send(Address.queue(queue), new Work(id)));
            await().until("the consumer is blocked on the message", () -> entered.getCount() == 0);

            long start = System.nanoTime();
            CompletableFuture<Void> stopped = inBackground("conformance-stop", first::stop);
            await().done("stop() returns although a consumer blocks", stopped).join();
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).as("time stop() took with a consumer blocked past the stop timeout of " + stopTimeout)
                    .isGreaterThanOrEqualTo(stopTimeout)
                    .isLessThan(stopTimeout.plusSeconds(5));
            await().until("the blocked consumer is interrupted", interrupted::get);
        } finally {
            never.countDown();
        }
        Bus second = newBus()
                .receiveEndpoint(queue, e -> e.consumer(Work.class, ctx -> {
                    if (ctx.message().id().equals(id)) {
                        redelivered.compareAndSet(null, ctx.redelivered());
                    }
                }))
                .start();
        try (second) {
            await().until("a new bus on " + queue + " consumes the interrupted message", redelivered::get,
                    r -> r != null);
            assertThat(redelivered.get()).as("ConsumeContext.redelivered() of the message that went back").isTrue();
            errors.awaitDrained(await());
            assertThat(errors.messages()).as("messages in " + queue + "_error").isEmpty();
        }
    }

    // ------------------------------------------------------------------------------------------
    // 7. Order per partition key

    @Test
    public void orderIsKeptPerPartitionKey() {
        String queue = endpoint("ordered");
        int keys = 5;
        int perKey = 50;
        List<UUID> correlationIds = IntStream.range(0, keys).mapToObj(i -> UUID.randomUUID()).toList();
        Map<UUID, List<Integer>> seen = new ConcurrentHashMap<>();
        AtomicInteger total = new AtomicInteger();
        Transport transport = newTransport();
        if (!transport.capabilities().orderedByKey()) {
            transport.close();
            abort("the transport does not keep order per partition key (TransportCapabilities.orderedByKey is false)");
        }
        try (Bus bus = newBus(transport)
                .receiveEndpoint(queue, e -> e.concurrency(8).consumer(Sequenced.class, ctx -> {
                    List<Integer> sequence = seen.get(ctx.message().key());
                    if (sequence != null) {
                        sequence.add(ctx.message().seq());
                        total.incrementAndGet();
                    }
                }))
                .start()) {
            correlationIds.forEach(k -> seen.put(k, Collections.synchronizedList(new ArrayList<>())));
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int seq = 0; seq < perKey; seq++) { // one producer thread, keys interleaved, no waits in between
                for (UUID key : correlationIds) {
                    published.add(bus.publish(new Sequenced(key, seq), SendOptions.defaults().withCorrelationId(key)));
                }
            }
            confirmed(published);
            await().until(keys * perKey + " messages consumed", total::get, n -> n >= keys * perKey);

            List<Integer> expected = IntStream.range(0, perKey).boxed().toList();
            for (UUID key : correlationIds) {
                assertThat(List.copyOf(seen.get(key))).as("sequence numbers consumed for correlationId %s, in order", key)
                        .containsExactlyElementsOf(expected);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Life cycle misuse

    @Test
    public void startingABusTwiceIsABusStateException() {
        try (Bus bus = newBus().receiveEndpoint(endpoint("twice"), e -> e.consumer(Good.class, ctx -> { })).start()) {
            assertThatThrownBy(bus::start).as("start() on a running bus")
                    .isInstanceOf(BusStateException.class).hasMessageContaining("start");
            bus.stop();
            assertThatThrownBy(bus::start).as("start() on a stopped bus")
                    .isInstanceOf(BusStateException.class).hasMessageContaining("start");
        }
    }

    @Test
    public void stoppingABusTwiceIsABusStateException() {
        Bus bus = newBus().receiveEndpoint(endpoint("stop2"), e -> e.consumer(Good.class, ctx -> { })).start();
        try {
            bus.stop();
            assertThatThrownBy(bus::stop).as("stop() on a stopped bus")
                    .isInstanceOf(BusStateException.class).hasMessageContaining("stop");
        } finally {
            bus.close(); // and close() after stop is quiet
        }
    }

    @Test
    public void producingOnABusThatIsNotRunningIsABusStateException() {
        Transport unused = newTransport();
        resources.add(unused);
        Bus notStarted = configureBus(Bus.builder().transport(unused).name(busName())).build();
        assertThatThrownBy(() -> notStarted.publish(new Good(UUID.randomUUID()))).as("publish() before start()")
                .isInstanceOf(BusStateException.class).hasMessageContaining("start");
        notStarted.close(); // quiet on a bus never started

        String queue = endpoint("after");
        Bus bus = newBus().receiveEndpoint(queue, e -> e.consumer(Good.class, ctx -> { })).start();
        bus.stop();
        assertThatThrownBy(() -> bus.publish(new Good(UUID.randomUUID()))).as("publish() after stop()")
                .isInstanceOf(BusStateException.class).hasMessageContaining("stop");
        assertThatThrownBy(() -> bus.send(Address.queue(queue), new Good(UUID.randomUUID()))).as("send() after stop()")
                .isInstanceOf(BusStateException.class).hasMessageContaining("stop");
        assertThatThrownBy(() -> bus.request(new Question("late?"), Answer.class, timeout())).as("request() after stop()")
                .isInstanceOf(BusStateException.class).hasMessageContaining("stop");
    }

    // ------------------------------------------------------------------------------------------
    // Helpers

    /** A builder on a new transport, with a bus name unique to the test and the subclass's settings. */
    private BusBuilder newBus() {
        return newBus(newTransport());
    }

    private BusBuilder newBus(Transport transport) {
        return configureBus(Bus.builder().transport(transport).name(busName()));
    }

    private String busName() {
        return "cf-" + runId + "-" + busCount.incrementAndGet();
    }

    /** An endpoint name unique to this test run: {@code cf-<role>-<random>}. */
    private String endpoint(String role) {
        return "cf-" + role + "-" + runId;
    }

    private Await await() {
        return Await.atMost(timeout());
    }

    /** Waits for the transport to confirm a produced message; a failure fails the test with its cause. */
    private void confirmed(CompletableFuture<?> produced) {
        await().done("the transport confirms a produced message", produced).join();
    }

    /** Waits for the transport to confirm every produced message; a failure fails the test with its cause. */
    private void confirmed(List<? extends CompletableFuture<?>> produced) {
        await().done("the transport confirms " + produced.size() + " produced messages",
                CompletableFuture.allOf(produced.toArray(new CompletableFuture<?>[0]))).join();
    }

    /** The kit's own started transport, for reading and writing queues below the bus. */
    private Transport probeTransport() {
        if (probeTransport == null) {
            Transport t = newTransport();
            t.start(new TransportContext(BusClock.system(), "cf-" + runId + "-probe"));
            resources.add(t);
            probeTransport = t;
        }
        return probeTransport;
    }

    /** Starts reading {@code queue} (which must exist: start the bus that declares it first). */
    private QueueProbe probe(String queue) {
        QueueProbe p = new QueueProbe(probeTransport(), queue);
        resources.add(p);
        return p;
    }

    /** The envelope's message id of a raw message, or null when the body is not a readable envelope. */
    private static UUID messageIdOf(RawMessage m) {
        try {
            return envelopesOf(m).deserialize(m.body(), m.headers()).envelope().messageId();
        } catch (SerializationException e) {
            return null;
        }
    }

    private static <T> T decode(RawMessage m, Class<T> type) {
        DecodedMessage decoded = envelopesOf(m).deserialize(m.body(), m.headers());
        return type.cast(decoded.message(type));
    }

    /** The library's envelope serializer for a raw message's content type (the bus may write either). */
    private static Serializer envelopesOf(RawMessage m) {
        Object contentType = m.headers().get(OutgoingMessage.CONTENT_TYPE);
        return contentType != null && contentType.toString().startsWith(CborEnvelopeSerializer.CONTENT_TYPE)
                ? CBOR_ENVELOPES : ENVELOPES;
    }

    private static Set<UUID> missing(Set<UUID> all, Set<UUID> a, Set<UUID> b) {
        Set<UUID> left = new HashSet<>(all);
        left.removeAll(a);
        left.removeAll(b);
        return left;
    }

    private static CompletableFuture<Void> inBackground(String name, Runnable action) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                action.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** What consumers saw, per endpoint. Thread-safe. */
    private static final class Seen<T> {
        private final Map<String, Queue<T>> byEndpoint = new ConcurrentHashMap<>();

        void add(String endpoint, T value) {
            byEndpoint.computeIfAbsent(endpoint, k -> new ConcurrentLinkedQueue<>()).add(value);
        }

        List<T> at(String endpoint) {
            Queue<T> q = byEndpoint.get(endpoint);
            return q == null ? List.of() : List.copyOf(q);
        }
    }

    private record Attempt(int redeliveryCount, long nanoTime) {
    }

    // ------------------------------------------------------------------------------------------
    // Messages of the kit (their URNs are urn:message:dev.omnibus.testing.conformance:TransportConformanceKit+Name)

    interface FanOutEvent {
        UUID id();
    }

    record FanOut(UUID id) implements FanOutEvent {
    }

    record Marker(UUID id) {
    }

    record Numbered(UUID batch, int n) {
    }

    record Order(UUID id) {
    }

    record Question(String text) {
    }

    record Answer(String text) {
    }

    record Doomed(UUID id, String note) {
    }

    record Good(UUID id) {
    }

    record Stray(UUID id) {
    }

    record Flaky(UUID id) {
    }

    record Later(UUID id) {
    }

    record Start(UUID id) {
    }

    record FollowUp(UUID id) {
    }

    record Work(UUID id) {
    }

    record Sequenced(UUID key, int seq) {
    }
}
