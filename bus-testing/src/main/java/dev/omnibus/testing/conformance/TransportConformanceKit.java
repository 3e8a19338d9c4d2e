package dev.omnibus.testing.conformance;

import dev.omnibus.Bus;
import dev.omnibus.BusBuilder;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.json.JsonEnvelopeSerializer;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Serializer;
import dev.omnibus.spi.Transport;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;

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
 * the kit builds), {@link #serializer()} (the codec every bus writes, default the JSON envelope;
 * the codec tests check it is the one on the wire), {@link #openConnections(String)} (how many
 * broker connections a bus holds, default -1: not checked) and {@link #afterEachTest()} (clean-up
 * that must run after the kit closed its own transports; JUnit runs a subclass's
 * {@code @AfterEach} methods before the kit's). A test
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
 * did <em>not</em> happen (a second copy, a message in the error queue, a redelivery after the
 * last), it sends a marker behind it along the same ordered path (the same queue, or the same
 * scheduler with the same delay) and waits for the marker, so a straggler would have been seen.
 * Timing assertions are bounded on both sides where a late event is a defect (a request timeout
 * must fire within 10 s; on a virtual bus clock, at its exact time), and lower bounds elsewhere (a
 * delayed message does not arrive early); never speed requirements.
 *
 * <h2>Threading and failures</h2>
 * JUnit runs each test on its own instance of the subclass (the default per-method life cycle),
 * so per-test state in fields is safe. Consumers run on the buses' threads and record what they
 * see in thread-safe collections that the test thread polls. A failing guarantee fails its test
 * with an {@link AssertionError} that names the guarantee; an exception from the transport
 * (a {@link dev.omnibus.TransportException} from a publish, say) fails the test with that
 * exception. The kit itself is not thread-safe and is not meant to be shared across tests.
 *
 * <h2>Where the tests are</h2>
 * The tests are default {@code @Test} methods of package-private interfaces the kit implements,
 * one per area ({@code RoutingConformance}, {@code RequestConformance},
 * {@code DeadLetterConformance}, {@code DelayConformance}, {@code LifecycleConformance},
 * {@code WireConformance}); JUnit runs them on every subclass as if they were declared here, and a
 * subclass overrides one by name as before.
 *
 * <h2>Kit v2</h2>
 * Tests written against the contract of Transport SPI v2, each counting its effects:
 * <ul>
 * <li>{@code spentDelayedRedeliveryCallsTheConsumerExactlyThenErrorsAndFaultsOnce}: retry N and
 *     redelivery M call an always-failing consumer exactly (N+1)(M+1) times, then exactly one copy
 *     is in {@code _error} with {@code MT-Redelivery-Count} M and exactly one {@code Fault<T>} is
 *     published (markers behind the redelivery and fault paths show nothing more comes).
 * <li>{@code cancelWithdrawsOnlyAPendingScheduledSendAndTheMessageNeverArrives}, on the bus's
 *     default scheduler and on an {@link dev.omnibus.inmemory.InMemoryScheduler}: cancel is true
 *     only for a pending message, which then never arrives; false for an unknown id or one already
 *     sent. A native scheduler that cannot withdraw ({@code cancellableDelay} false) answers false
 *     and the message arrives.
 * <li>{@code requestFailsWithTimeoutWhenNobodyAnswers} (now also bounded above by 10 s) and
 *     {@code requestTimeoutFiresOnTheBusClockAtItsTimeAndNotBefore} (a {@link dev.omnibus.testing.VirtualClock}:
 *     not done 1 ms before, done at the timeout); {@code requestFromAnotherBusOnTheSameBrokerGetsItsResponse}.
 * <li>{@code noConsumerCallStartsAfterTheStopBegan}: with every worker held inside a consumer call
 *     when {@code stop()} begins, no further call starts (a count of zero), and nothing is lost.
 * <li>{@code closedBusLeavesNoThreadAndNoConnectionBehind}: the {@code omnibus-*} threads the bus
 *     started end after {@code close()} (the JVM-wide {@code omnibus-timer} aside), and
 *     {@link #openConnections(String)} drops to 0 where the module can count.
 * <li>{@code traceContextAndApplicationHeadersTravelToWhatTheConsumerProduces}: a W3C
 *     {@code traceparent} and an application header cross the transport, and the message the
 *     consumer produces carries the same trace id (with the API's W3C propagator, no SDK).
 * <li>{@code theConfiguredSerializerIsTheCodecOnTheWire} and
 *     {@code bodyThatIsGarbageInTheConfiguredCodecGoesToErrorWithThatCodecsReason}: the
 *     {@code Content-Type} on the wire is {@link #serializer()}'s, and a body that is garbage under
 *     it goes to {@code _error} with exactly the reason that codec gives.
 * <li>{@code slowConsumerNeverHasMoreDeliveriesUnsettledThanItsPrefetch}: the transport fills
 *     the prefetch window of a held consumer and never goes past it.
 * <li>{@code expiredMessageIsNeverConsumedAndTheOnesBehindItAre}, and
 *     {@code expiredMessageIsReportedToObserversAsExpired}: an expired message is never consumed,
 *     messages behind it are, and it is reported to {@link dev.omnibus.spi.BusObserver#expired}
 *     (acknowledged and logged at INFO, in neither {@code _error} nor {@code _skipped}).
 * </ul>
 */
public abstract class TransportConformanceKit implements RoutingConformance, RequestConformance, DeadLetterConformance,
        DelayConformance, LifecycleConformance, WireConformance {
    /** Counted by {@link UnregisteredProbe}'s static initializer; must stay 0. */
    static final AtomicInteger UNREGISTERED_PROBE_INITIALIZATIONS = new AtomicInteger();

    private final String runId = dev.omnibus.testing.RunIds.next();
    private final AtomicInteger busCount = new AtomicInteger();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final KitContext context = new Context();
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

    /**
     * The serializer every bus of the kit writes with (default: the JSON envelope). The kit sets
     * it after {@link #configureBus(BusBuilder)}, so set it here rather than there: the codec tests
     * check that this is the codec on the wire, and that unreadable bodies are tried in it.
     */
    protected Serializer serializer() {
        return JsonEnvelopeSerializer.create();
    }

    /**
     * How many broker connections the bus named {@code busName} holds open now, for the test that
     * a closed bus leaves none behind; -1 (the default) when the transport module cannot tell, and
     * the check is skipped. RabbitMQ counts the connections named {@code omnibus:<busName>:…}.
     */
    protected int openConnections(String busName) {
        return -1;
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
    // Parameters of the dead-letter tests (public: a subclass overriding such a test names them)

    /** Bodies the bus cannot read: each goes to {@code _error} with a reason naming the problem. */
    public enum MalformedBody {
        /** Not JSON at all. */
        NOT_JSON("JSON"),
        /** A valid envelope of a consumed type, larger than the bus's {@code maxMessageSize}. */
        OVER_MAX_MESSAGE_SIZE(String.valueOf(SMALL_MAX_MESSAGE_SIZE));

        private final String reasonMentions;

        MalformedBody(String reasonMentions) {
            this.reasonMentions = reasonMentions;
        }

        /** What the fault reason must mention. */
        String reasonMentions() {
            return reasonMentions;
        }

        byte[] body(UUID messageId, UUID badId) {
            String json = switch (this) {
                case NOT_JSON -> "not json";
                case OVER_MAX_MESSAGE_SIZE -> "{\"messageId\":\"" + messageId + "\",\"messageType\":[\""
                        + MessageTypeRegistry.urnOf(Good.class) + "\"],\"message\":{\"id\":\"" + badId
                        + "\",\"padding\":\"" + "x".repeat(2 * SMALL_MAX_MESSAGE_SIZE) + "\"}}";
            };
            return json.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The {@code maxMessageSize} of the bus in the malformed-body tests. */
    static final int SMALL_MAX_MESSAGE_SIZE = 8192;

    /** Message types no bus registers: each goes to {@code _skipped}, and no class is loaded by its name. */
    public enum UnregisteredType {
        /** A URN no Java type has. */
        UNKNOWN_URN("urn:message:Omnibus.Conformance:NoSuchType"),
        /** A real JDK class that must never be instantiated from a message. */
        JDK_CLASS("urn:message:java.lang:ProcessBuilder"),
        /** A real class on the classpath whose static initializer reports being loaded. */
        CLASSPATH_RECORD("urn:message:dev.omnibus.testing.conformance:UnregisteredProbe"),
        /**
         * A JSON envelope without {@code messageType}: MassTransit reads it as an empty type list, so no
         * consumer matches (EnvelopeMessageContext), and the message is skipped, not faulted.
         */
        NO_MESSAGE_TYPE(null);

        private final String urn;

        UnregisteredType(String urn) {
            this.urn = urn;
        }

        byte[] body(UUID messageId) {
            if (urn == null) {
                return ("{\"messageId\":\"" + messageId + "\",\"message\":{\"command\":[\"touch\"]}}")
                        .getBytes(StandardCharsets.UTF_8);
            }
            return ("{\"messageId\":\"" + messageId + "\",\"messageType\":[\"" + urn
                    + "\"],\"message\":{\"command\":[\"touch\",\"/tmp/omnibus-conformance-pwned\"]}}")
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The schedulers the cancel test runs on. */
    public enum SchedulerChoice {
        /** The bus's default: the transport's native scheduler if it has one, else the in-memory one. */
        TRANSPORT_DEFAULT,
        /** An {@link dev.omnibus.inmemory.InMemoryScheduler} set on the bus, over the transport under test. */
        IN_MEMORY
    }

    // ------------------------------------------------------------------------------------------
    // The context the test interfaces use

    /** This test's context (see {@link KitContext#of(Object)}). */
    final KitContext kitContext() {
        return context;
    }

    private final class Context implements KitContext {
        @Override
        public Duration timeout() {
            return TransportConformanceKit.this.timeout();
        }

        @Override
        public Transport newTransport() {
            return TransportConformanceKit.this.newTransport();
        }

        @Override
        public BusBuilder configureBus(BusBuilder builder) {
            return TransportConformanceKit.this.configureBus(builder);
        }

        @Override
        public BusBuilder newBus() {
            return newBus(newTransport());
        }

        @Override
        public BusBuilder newBus(Transport transport) {
            return newBus(transport, busName());
        }

        @Override
        public BusBuilder newBus(Transport transport, String name) {
            return configureBus(Bus.builder().transport(transport).name(name)).serializer(serializer());
        }

        @Override
        public Serializer serializer() {
            return TransportConformanceKit.this.serializer();
        }

        @Override
        public int openConnections(String busName) {
            return TransportConformanceKit.this.openConnections(busName);
        }

        @Override
        public String busName() {
            return "cf-" + runId + "-" + busCount.incrementAndGet();
        }

        @Override
        public String endpoint(String role) {
            return "cf-" + role + "-" + runId;
        }

        @Override
        public Await await() {
            return Await.atMost(timeout());
        }

        @Override
        public void confirmed(CompletableFuture<?> produced) {
            await().done("the transport confirms a produced message", produced).join();
        }

        @Override
        public void confirmed(List<? extends CompletableFuture<?>> produced) {
            await().done("the transport confirms " + produced.size() + " produced messages",
                    CompletableFuture.allOf(produced.toArray(new CompletableFuture<?>[0]))).join();
        }

        @Override
        public Transport probeTransport() {
            if (probeTransport == null) {
                Transport t = newTransport();
                t.start(new TransportContext(BusClock.system(), "cf-" + runId + "-probe"));
                resources.add(t);
                probeTransport = t;
            }
            return probeTransport;
        }

        @Override
        public QueueProbe probe(String queue) {
            QueueProbe p = new QueueProbe(probeTransport(), queue);
            resources.add(p);
            return p;
        }

        @Override
        public void closeAfterTest(AutoCloseable resource) {
            resources.add(resource);
        }
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

    record CancelLater(UUID target) {
    }
}