package dev.omnibus.sqs;

import dev.omnibus.Address;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletionException;

/**
 * SQS's own delay: a message due within 15 minutes is sent at once with {@code DelaySeconds}. SQS
 * counts whole seconds, so the message is sent with the whole seconds of its delay and, when there
 * is a fraction left, the header {@code Omnibus-Due} (epoch milliseconds): the receive loop holds
 * such a message, invisible, until it is due ({@link SqsReceiver}). So it never arrives early, never
 * a second late, and is with SQS (durable) when {@link #schedule} returns. It cannot be withdrawn: {@link #cancel} is always
 * false. {@link #schedule} waits for SQS to confirm the send and throws its
 * {@link TransportException} otherwise. Thread-safe.
 */
final class SqsNativeScheduler implements Scheduler {
    private final SqsTransport transport;

    SqsNativeScheduler(SqsTransport transport) {
        this.transport = transport;
    }

    @Override
    public void start(Transport transport, BusClock clock) {
    }

    @Override
    public UUID schedule(Instant due, Address destination, OutgoingMessage message) {
        long ms = java.time.Duration.between(transport.clock().now(), due).toMillis();
        long whole = Math.max(0, ms / 1000);
        if (whole > SqsTransport.MAX_NATIVE_DELAY.toSeconds()) {
            throw new TransportException("a delay of " + ms + " ms is beyond SQS's native delay of 15 minutes", null, false);
        }
        if (transport.settings().isFifo(destination.name())) {
            throw new TransportException("SQS FIFO queue of endpoint " + destination.name() + " has no per-message delay: "
                    + "configure a durable scheduler (BusBuilder.scheduler, e.g. the outbox's) to delay messages to FIFO "
                    + "endpoints", null, false);
        }
        OutgoingMessage m = message.withDue(null);
        if (ms % 1000 > 0) { // DelaySeconds counts whole seconds: the receiver holds it for the rest
            m = m.withHeaders(dev.omnibus.Headers.of(SqsReceiver.DUE_HEADER, String.valueOf(due.toEpochMilli())));
        }
        try {
            transport.sendDelayed(destination, m, (int) whole).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
        return message.deduplicationId() != null ? message.deduplicationId() : UUID.randomUUID();
    }

    @Override
    public boolean cancel(UUID token) {
        return false;
    }

    @Override
    public void stop() {
    }
}
