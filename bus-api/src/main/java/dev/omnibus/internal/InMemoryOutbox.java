package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.ConsumeContext;
import dev.omnibus.MessageType;
import dev.omnibus.spi.Outbound;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ProducedMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The in-memory outbox of one consume attempt ({@code ReceiveEndpointBuilder.useInMemoryOutbox()}):
 * an {@link Outbound} that keeps, in order, what the consumers publish, send, respond and schedule,
 * so that it leaves only when the delivery succeeded. Its {@link Stage} sits inside retry, so each
 * attempt starts with an empty one and a failed attempt's messages are dropped with it. On success
 * the settlement stage calls {@link #release}: observers hear of each message, scheduled sends go to
 * the scheduler, then {@link dev.omnibus.spi.Delivery#ackWith} hands the rest to the transport with
 * the settlement. Used by the delivery's worker thread only. Memory: the messages of one attempt.
 */
final class InMemoryOutbox implements Outbound {
    private record Scheduled(Instant due, Address destination, OutgoingMessage message) {
    }

    private final List<ProducedMessage> messages = new ArrayList<>();
    private final List<Scheduled> scheduled = new ArrayList<>();
    private final List<Runnable> observations = new ArrayList<>();

    @Override
    public void publish(MessageType type, OutgoingMessage message) {
        pendingType = null;
        messages.add(new ProducedMessage(type, null, message));
    }

    @Override
    public void send(Address destination, OutgoingMessage message) {
        messages.add(new ProducedMessage(typeOf(message), destination, message));
    }

    @Override
    public void reply(Address destination, OutgoingMessage message) {
        messages.add(new ProducedMessage(typeOf(message), destination, message, true));
    }

    /** A send's type is not passed to an outbound; the transport does not read it for a send. */
    private MessageType pendingType;

    private MessageType typeOf(OutgoingMessage message) {
        MessageType t = pendingType;
        pendingType = null;
        if (t == null) {
            throw new IllegalStateException("message " + message.deduplicationId() + " held without its type");
        }
        return t;
    }

    /** Called by {@link MessageProducer#produceTo} just before it stores a message here: its type. */
    void typeOfNext(MessageType type) {
        pendingType = type;
    }

    @Override
    public void schedule(Instant due, Address destination, OutgoingMessage message) {
        pendingType = null;
        scheduled.add(new Scheduled(due, destination, message));
    }

    /** Withdraws a send scheduled in this attempt (it never reaches the scheduler). */
    @Override
    public boolean cancelScheduled(UUID messageId) {
        for (Iterator<Scheduled> it = scheduled.iterator(); it.hasNext(); ) {
            if (messageId.equals(it.next().message().deduplicationId())) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    /** Runs when the messages are released (what the bus reports to observers when a message leaves). */
    void observeOnRelease(Runnable observation) {
        observations.add(observation);
    }

    boolean isEmpty() {
        return messages.isEmpty() && scheduled.isEmpty();
    }

    /** The held messages for the transport, in the order they were produced. */
    List<ProducedMessage> messages() {
        return List.copyOf(messages);
    }

    /**
     * Lets the messages leave with the settlement of {@code r}'s delivery: observations, scheduled
     * sends to the scheduler, then {@code ackWith}. A scheduler that refuses puts the delivery back
     * (it runs again) and fails the stage.
     */
    CompletionStage<Void> release(ReceiveContext r) {
        BusSpec spec = r.endpoint.busSpec();
        for (Runnable o : observations) {
            o.run();
        }
        try {
            for (Scheduled s : scheduled) {
                spec.scheduler().schedule(s.due(), s.destination(), s.message().withDue(s.due()));
            }
        } catch (RuntimeException e) {
            return r.delivery.requeue().thenCompose(v -> CompletableFuture.<Void>failedFuture(e));
        }
        return messages.isEmpty() ? r.delivery.ack() : r.delivery.ackWith(messages(), spec.transport());
    }

    /**
     * The {@code in-memory-outbox} stage: the rest of the pipeline sees a context whose produced
     * messages go to a fresh outbox; when it returns normally, the outbox (if anything is in it) is
     * left for the settlement stage.
     */
    static final class Stage implements ReceiveStage {
        @Override
        public String name() {
            return "in-memory-outbox";
        }

        @Override
        public void handle(ReceiveContext r, Link next) throws Exception {
            r.held = null; // an earlier attempt's (it failed, or it would not run again)
            InMemoryOutbox outbox = new InMemoryOutbox();
            ConsumeContext<?> outer = r.current;
            r.current = redirect(outer, outbox);
            try {
                next.proceed(r);
            } finally {
                r.current = outer;
            }
            r.held = outbox.isEmpty() ? null : outbox;
        }

        private static <T> ConsumeContext<T> redirect(ConsumeContext<T> c, InMemoryOutbox outbox) {
            return RedirectedConsumeContext.of(c, outbox, List.of());
        }
    }
}
