package dev.omnibus.testing.conformance;

import dev.omnibus.BusBuilder;
import dev.omnibus.spi.Serializer;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the conformance test interfaces use of the running kit: the subclass's transport and
 * settings, names unique to the test run, waits with the kit's deadline, and resources closed
 * after the test. A test method gets it with {@link #of(Object) KitContext.of(this)}; it is
 * reached this way (not through methods of the kit) so that the kit adds no public methods a
 * subclass could clash with. One per kit instance, that is per test; not thread-safe.
 */
interface KitContext {
    /** How far a measured delay may fall short of its nominal value (clock granularity), in the lower-bound checks. */
    Duration CLOCK_SLACK = Duration.ofMillis(25);

    /** The context of the kit instance running the current test ({@code test} is that instance). */
    static KitContext of(Object test) {
        return ((TransportConformanceKit) test).kitContext();
    }

    /** The deadline of every wait ({@link TransportConformanceKit#timeout()}). */
    Duration timeout();

    /** A new, unstarted transport ({@link TransportConformanceKit#newTransport()}). */
    Transport newTransport();

    /** Applies the subclass's bus settings ({@link TransportConformanceKit#configureBus(BusBuilder)}). */
    BusBuilder configureBus(BusBuilder builder);

    /** A builder on a new transport, with a bus name unique to the test and the subclass's settings. */
    BusBuilder newBus();

    /** A builder on {@code transport}, with a bus name unique to the test and the subclass's settings. */
    BusBuilder newBus(Transport transport);

    /** A builder on {@code transport} for a bus named {@code busName}, with the subclass's settings. */
    BusBuilder newBus(Transport transport, String busName);

    /** The serializer the kit's buses write with ({@link TransportConformanceKit#serializer()}). */
    Serializer serializer();

    /** Open broker connections of the bus {@code busName}, or -1 when not known ({@link TransportConformanceKit#openConnections}). */
    int openConnections(String busName);

    /** A bus name unique to the test. */
    String busName();

    /** An endpoint name unique to this test run: {@code cf-<role>-<random>}. */
    String endpoint(String role);

    /** A wait with {@link #timeout()} as its deadline. */
    Await await();

    /** Waits for the transport to confirm a produced message; a failure fails the test with its cause. */
    void confirmed(CompletableFuture<?> produced);

    /** Waits for the transport to confirm every produced message; a failure fails the test with its cause. */
    void confirmed(List<? extends CompletableFuture<?>> produced);

    /** The kit's own started transport, for reading and writing queues below the bus. */
    Transport probeTransport();

    /** Starts reading {@code queue} (which must exist: start the bus that declares it first). */
    QueueProbe probe(String queue);

    /** Closes {@code resource} after the test, before the subclass's {@code afterEachTest()}. */
    void closeAfterTest(AutoCloseable resource);
}
