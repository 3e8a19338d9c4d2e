package dev.omnibus.testing;

import dev.omnibus.Address;
import dev.omnibus.MessageType;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Transport;
import dev.omnibus.spi.TransportCapabilities;
import dev.omnibus.spi.TransportContext;
import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * One simulated process's connection to the {@link SimulatedTransport}: what the process produces,
 * the consumers it registers and the deliveries handed to them are tagged with it, so that a crash of
 * that process alone ({@link SimulatedTransport#crash(SimulatedConnection)}) drops its late sends and
 * settlements and puts back its unsettled deliveries, leaving the other processes' untouched. A
 * restarted process gets a new connection.
 */
final class SimulatedConnection implements Transport {
    private final SimulatedTransport broker;
    final int replica;
    /** Set when the process crashed: nothing it does reaches the broker any more. Guarded by the broker. */
    boolean dead;

    SimulatedConnection(SimulatedTransport broker, int replica) {
        this.broker = broker;
        this.replica = replica;
    }

    @Override
    public TransportCapabilities capabilities() {
        return broker.capabilities();
    }

    @Override
    public void start(TransportContext context) {
        broker.start(context);
    }

    @Override
    public URI resolve(Address address) {
        return broker.resolve(address);
    }

    @Override
    public void declareEndpoint(EndpointTopology topology) {
        broker.declareEndpoint(topology);
    }

    @Override
    public CompletableFuture<Void> publish(MessageType type, OutgoingMessage message) {
        return broker.publish(this, type, message);
    }

    @Override
    public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
        return broker.send(this, destination, message);
    }

    @Override
    public ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler) {
        return broker.receive(this, queue, handler);
    }

    @Override
    public void close() {
        // a bus closing (one of several replicas, or a crashed process) leaves the broker up for the
        // others; its receive handles took its consumers away. The harness shuts the broker down.
    }
}
