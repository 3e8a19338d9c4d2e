package dev.omnibus.testing;

import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import dev.omnibus.spi.Delivery;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One delivery of the {@link SimulatedTransport}: settles at most once, and not at all once its
 * process crashed (a crashed process's late settlement never reaches the broker). The settlement
 * faults of the {@link FaultPlan} (a lost ack, a crash before the ack, a failed settlement) act here.
 */
final class SimDelivery implements Delivery {
    /** A message in a simulated queue. */
    record Message(byte[] body, Headers headers, Instant expiration, boolean redelivered) {
        Message again() {
            return redelivered ? this : new Message(body, headers, expiration, true);
        }
    }

    /** What becomes of the ack, decided when the message is handed over. */
    enum Fate { ACK, DROP_ACK, CRASH }

    private final SimulatedTransport broker;
    private final SimulatedConnection owner;
    private final String queue;
    private final Message message;
    private final Fate fate;
    private final long generation;
    private final AtomicBoolean settled = new AtomicBoolean();

    SimDelivery(SimulatedTransport broker, SimulatedConnection owner, String queue, Message message, Fate fate,
            long generation) {
        this.broker = broker;
        this.owner = owner;
        this.queue = queue;
        this.message = message;
        this.fate = fate;
        this.generation = generation;
        broker.handed(this);
    }

    /** The connection of the process it was handed to (null: the transport's own). */
    SimulatedConnection owner() {
        return owner;
    }

    Message message() {
        return message;
    }

    /**
     * A failSettlement fault: the settlement does not reach the broker, which keeps the delivery as
     * unsettled and, as when a channel closes, puts the message back at the head of its queue.
     */
    private CompletionStage<Void> failed(String what) {
        broker.putBack(queue, message);
        broker.injected("settlement failed: the " + what + " on " + queue + " did not reach the broker; it "
                + "delivers the message again", message.headers());
        return CompletableFuture.failedFuture(
                new TransportException("injected fault: the " + what + " did not reach the simulated broker", null, true));
    }

    private boolean failing(String what) {
        return broker.decisions().roll(broker.faults().failSettlement(), "fail the " + what + " on " + queue);
    }

    private boolean settle() {
        return broker.claim(this, generation, settled);
    }

    /** Claims this delivery for a channel close: false when it was settled already. */
    boolean revoke() {
        return settled.compareAndSet(false, true);
    }

    /** After a settlement that reached the broker: a duplicateSettlement fault may send it again. */
    private CompletionStage<Void> settled(String what) {
        if (broker.decisions().roll(broker.faults().duplicateSettlement(), "duplicate the " + what + " on " + queue)) {
            broker.closeChannel(this, what);
        }
        return SimulatedTransport.DONE;
    }

    @Override
    public byte[] body() {
        return message.body();
    }

    @Override
    public Headers headers() {
        return message.headers();
    }

    @Override
    public boolean redelivered() {
        return message.redelivered();
    }

    @Override
    public String queue() {
        return queue;
    }

    @Override
    public CompletionStage<Void> ack() {
        if (!settle()) {
            return SimulatedTransport.DONE;
        }
        if (failing("ack")) {
            return failed("ack");
        }
        if (fate != Fate.ACK) {
            broker.putBack(queue, message);
            broker.injected(fate == Fate.DROP_ACK ? "ack lost: the broker redelivers from " + queue
                    : "crash after the consumer's work, before its ack: redelivered from " + queue, message.headers());
            return SimulatedTransport.DONE;
        }
        return settled("ack");
    }

    @Override
    public CompletionStage<Void> requeue() {
        if (settle()) {
            if (failing("requeue")) {
                return failed("requeue");
            }
            broker.putBack(queue, message);
            return settled("requeue");
        }
        return SimulatedTransport.DONE;
    }

    @Override
    public CompletionStage<Void> deadLetter(DeadLetterQueue target, Headers extraHeaders) {
        if (settle()) {
            String name = target.nameFor(queue);
            if (failing("move to " + name)) {
                return failed("move to " + name);
            }
            broker.append(name, new Message(message.body(), message.headers().withAll(extraHeaders), null,
                    message.redelivered()));
            return settled("move to " + name);
        }
        return SimulatedTransport.DONE;
    }
}
