package dev.omnibus.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The faults a deterministic harness injects, drawn from its seed: the faults that break
 * distributed code. Immutable; each method returns a copy with one more rule. Every injected
 * fault appears in the timeline as an {@link HarnessEvent.Kind#INJECTED} event saying what it did.
 *
 * <pre>{@code
 * FaultPlan.none()
 *     .duplicateDeliveries(0.2)        // a delivered message stays on the queue, to come again
 *     .reorderDeliveries(0.3)          // a message other than the head is delivered next
 *     .dropAcks(0.1)                   // the broker loses an ack and redelivers
 *     .crashBeforeAck(0.1)             // the consumer's work is done, the ack never arrives
 *     .crashProcess(0.02)              // a process dies at a step: in-memory state lost, restart
 *     .failProduce(0.05)               // a publish or send is refused by the broker
 *     .slowProduce(0.1)                // a publish or send is confirmed a step later
 *     .failSettlement(0.05)            // an ack, requeue or move fails (the message comes back)
 *     .duplicateSettlement(0.02)       // an ack arrives twice: the channel closes, its other deliveries come back
 *     .jumpClock(0.05, Duration.ofMinutes(5))  // the clock leaps ahead: due timers fire
 *     .failConsumer(ProcessPayment.class, 2)   // the 2nd consumption of ProcessPayment throws
 * }</pre>
 *
 * <p>Probabilities are per delivery (duplicate, reorder, dropAck, crash before ack), per produce
 * (failProduce, slowProduce), per settlement (failSettlement) or per simulation step (crashProcess,
 * jumpClock), in [0, 1]. Delivery faults and the process faults need the deterministic mode.
 *
 * @param duplicate     probability that a delivery leaves a copy behind
 * @param reorder       probability that the next delivery is not the head of its queue
 * @param dropAck       probability that a delivery's ack is lost
 * @param crash         probability that a delivery's ack never arrives because its process died after the work
 *                      (the message comes back; the process's memory is kept: see {@code crashProcess})
 * @param failures      consumer calls that throw {@link InjectedFault}
 * @param crashProcess  probability, per step with work in flight, that the process crashes and restarts
 *                      (with several replicas, one of them, chosen as a decision of the schedule)
 * @param failProduce   probability that the broker refuses a publish or send (its future fails)
 * @param slowProduce   probability that a publish or send is confirmed only at a later step
 * @param failSettlement probability that an ack, requeue or move to a dead-letter queue fails
 * @param duplicateSettlement probability that a settlement reaches the broker twice (a protocol error:
 *                      the broker closes the channel and redelivers the queue's other unsettled deliveries)
 * @param jumpClock     probability, per step, that the virtual clock jumps ahead by {@code jumpBy}
 * @param jumpBy        how far the clock jumps
 */
public record FaultPlan(double duplicate, double reorder, double dropAck, double crash, List<ConsumerFailure> failures,
        double crashProcess, double failProduce, double slowProduce, double failSettlement, double duplicateSettlement,
        double jumpClock, Duration jumpBy) {
    private static final FaultPlan NONE = new FaultPlan(0, 0, 0, 0, List.of());

    /**
     * The {@code call}th consumption (1-based, counting retries) of messages of {@code type} throws.
     *
     * @param type the message type
     * @param call which call
     */
    public record ConsumerFailure(Class<?> type, int call) {
        public ConsumerFailure {
            Objects.requireNonNull(type, "type");
            if (call < 1) {
                throw new IllegalArgumentException("call numbers start at 1, was " + call);
            }
        }
    }

    public FaultPlan {
        check(duplicate, "duplicate");
        check(reorder, "reorder");
        check(dropAck, "dropAck");
        check(crash, "crash");
        check(crashProcess, "crashProcess");
        check(failProduce, "failProduce");
        check(slowProduce, "slowProduce");
        check(failSettlement, "failSettlement");
        check(duplicateSettlement, "duplicateSettlement");
        check(jumpClock, "jumpClock");
        failures = List.copyOf(failures);
        Objects.requireNonNull(jumpBy, "jumpBy");
        if (jumpBy.isNegative()) {
            throw new IllegalArgumentException("the clock jumps forward only, was " + jumpBy);
        }
    }

    /** The plan of the delivery faults and consumer failures alone (the components before the process faults). */
    public FaultPlan(double duplicate, double reorder, double dropAck, double crash, List<ConsumerFailure> failures) {
        this(duplicate, reorder, dropAck, crash, failures, 0, 0, 0, 0, 0, 0, Duration.ZERO);
    }

    /** No faults. */
    public static FaultPlan none() {
        return NONE;
    }

    public FaultPlan duplicateDeliveries(double probability) {
        return new FaultPlan(probability, reorder, dropAck, crash, failures, crashProcess,
                failProduce, slowProduce, failSettlement, duplicateSettlement, jumpClock, jumpBy);
    }

    public FaultPlan reorderDeliveries(double probability) {
        return new FaultPlan(duplicate, probability, dropAck, crash, failures, crashProcess,
                failProduce, slowProduce, failSettlement, duplicateSettlement, jumpClock, jumpBy);
    }

    public FaultPlan dropAcks(double probability) {
        return new FaultPlan(duplicate, reorder, probability, crash, failures, crashProcess,
                failProduce, slowProduce, failSettlement, duplicateSettlement, jumpClock, jumpBy);
    }

    public FaultPlan crashBeforeAck(double probability) {
        return new FaultPlan(duplicate, reorder, dropAck, probability, failures, crashProcess,
                failProduce, slowProduce, failSettlement, duplicateSettlement, jumpClock, jumpBy);
    }

    /**
     * The process crashes (see {@link TestHarness#crash()}) at a step with work in flight, with this
     * probability. With several {@linkplain TestHarness.Builder#replicas(int) replicas} one replica
     * crashes alone (see {@link TestHarness#crash(int)}), the others running on; which one is a
     * decision of the schedule ("crash replica 1"), so replaying and shrinking follow it.
     */
    public FaultPlan crashProcess(double probability) {
        return new FaultPlan(duplicate, reorder, dropAck, crash, failures, probability,
                failProduce, slowProduce, failSettlement, duplicateSettlement, jumpClock, jumpBy);
    }

    /** The broker refuses a publish or send (its future fails with a retryable {@code TransportException}). */
    public FaultPlan failProduce(double probability) {
        return new FaultPlan(duplicate, reorder, dropAck, crash, failures, crashProcess,
                probability, slowProduce, failSettlement, duplicateSettlement, jumpClock, jumpBy);
    }

    /** A publish or send is queued at once but confirmed (its future completes) only at the next step. */
    public FaultPlan slowProduce(double probability) {
        return new FaultPlan(duplicate, reorder, dropAck, crash, failures, crashProcess,
                failProduce, probability, failSettlement, duplicateSettlement, jumpClock, jumpBy);
    }

    /** An ack, requeue or move fails: the broker keeps the delivery unsettled and delivers it again. */
    public FaultPlan failSettlement(double probability) {
        return new FaultPlan(duplicate, reorder, dropAck, crash, failures, crashProcess,
                failProduce, slowProduce, probability, duplicateSettlement, jumpClock, jumpBy);
    }

    /**
     * A settlement reaches the broker twice: as a broker does on a protocol error, it closes the channel,
     * and every other unsettled delivery of that queue comes back (redelivered); their late settlements
     * are ignored.
     */
    public FaultPlan duplicateSettlement(double probability) {
        return new FaultPlan(duplicate, reorder, dropAck, crash, failures, crashProcess,
                failProduce, slowProduce, failSettlement, probability, jumpClock, jumpBy);
    }

    /** At a step, the virtual clock jumps ahead by {@code by}; timers due on the way fire. */
    public FaultPlan jumpClock(double probability, Duration by) {
        return new FaultPlan(duplicate, reorder, dropAck, crash, failures, crashProcess,
                failProduce, slowProduce, failSettlement, duplicateSettlement, probability, by);
    }

    public FaultPlan failConsumer(Class<?> type, int call) {
        List<ConsumerFailure> more = new ArrayList<>(failures);
        more.add(new ConsumerFailure(type, call));
        return new FaultPlan(duplicate, reorder, dropAck, crash, more, crashProcess,
                failProduce, slowProduce, failSettlement, duplicateSettlement, jumpClock, jumpBy);
    }

    /** Whether any fault needs the deterministic mode (all but consumer failures do). */
    boolean needsSimulation() {
        return duplicate > 0 || reorder > 0 || dropAck > 0 || crash > 0 || crashProcess > 0 || failProduce > 0
                || slowProduce > 0 || failSettlement > 0 || duplicateSettlement > 0 || jumpClock > 0;
    }

    private static void check(double p, String name) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " probability must be in [0, 1], was " + p);
        }
    }
}
