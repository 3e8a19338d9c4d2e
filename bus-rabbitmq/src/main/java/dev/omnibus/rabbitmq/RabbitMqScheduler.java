package dev.omnibus.rabbitmq;

import dev.omnibus.Address;
import dev.omnibus.BusStateException;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport's native scheduler: the broker holds a scheduled message until it is due (wait
 * queues with TTL and dead-lettering, or the delayed-message exchange plugin; see
 * {@link DelayedDelivery}), so scheduled sends and delayed redeliveries survive a restart of the
 * bus. {@link #schedule} returns once the broker confirmed the message (a retryable
 * {@link TransportException} otherwise), so a redelivery is never acknowledged before its copy is
 * safe. The message handed to the transport carries its {@link OutgoingMessage#due() due} time.
 *
 * <p><b>Cancel.</b> The SPI's contract: {@link Scheduler#cancel} returns true only if the message was
 * pending and will now never be delivered. A message in a wait queue (or in the plugin's exchange)
 * cannot be withdrawn from the broker, so {@link #cancel} always returns false, and the message is
 * delivered when due ({@code TransportCapabilities.cancellableDelay()} is false). Thread-safe.
 */
final class RabbitMqScheduler implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqScheduler.class);

    private final RabbitMqTransport transport;
    private volatile BusClock clock;

    RabbitMqScheduler(RabbitMqTransport transport) {
        this.transport = transport;
    }

    @Override
    public void start(Transport transport, BusClock clock) {
        this.clock = clock;
    }

    @Override
    public UUID schedule(Instant due, Address destination, OutgoingMessage message) {
        BusClock c = clock;
        if (c == null) {
            throw new BusStateException("scheduler not started: start the bus first");
        }
        long delay = Duration.between(c.now(), due).toMillis();
        OutgoingMessage scheduled = message.withDue(due);
        var sent = delay <= 0 ? transport.send(destination, scheduled) : transport.sendDelayed(destination, scheduled, delay);
        try {
            sent.get(transport.confirmTimeoutNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while scheduling a message to " + destination, e, true);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof TransportException te ? te
                    : new TransportException("scheduling a message to " + destination + " failed: " + cause, cause, true);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TransportException("the broker did not confirm a scheduled message to " + destination + " in time", e, true);
        }
        // the message id when it has one, as the SPI asks; cancel cannot use it either way
        return message.deduplicationId() != null ? message.deduplicationId() : UUID.randomUUID();
    }

    /** Always false: the broker holds the message and delivers it when due; nothing can withdraw it. */
    @Override
    public boolean cancel(UUID token) {
        LOG.debug("scheduled message {} cannot be withdrawn from RabbitMQ; it will be delivered when due", token);
        return false;
    }

    @Override
    public void stop() {
        // nothing held here: scheduled messages wait in the broker
    }
}
