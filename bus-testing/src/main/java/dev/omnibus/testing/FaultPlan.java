package dev.omnibus.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The faults a deterministic harness injects, drawn from its seed: the faults that break
 * distributed code. Immutable; each method returns a copy with one more rule.
 *
 * <pre>{@code
 * FaultPlan.none()
 *     .duplicateDeliveries(0.2)        // a delivered message stays on the queue, to come again
 *     .reorderDeliveries(0.3)          // a message other than the head is delivered next
 *     .dropAcks(0.1)                   // the broker loses an ack and redelivers
 *     .crashBeforeAck(0.1)             // the consumer's work is done, its process dies before the ack
 *     .failConsumer(ProcessPayment.class, 2)   // the 2nd consumption of ProcessPayment throws
 * }</pre>
 *
 * <p>Probabilities are per delivery, in [0, 1]. A lost ack and a crash before the ack have the
 * same effect on the broker (the message comes back, flagged redelivered); the timeline names which.
 *
 * @param duplicate  probability that a delivery leaves a copy behind
 * @param reorder    probability that the next delivery is not the head of its queue
 * @param dropAck    probability that a delivery's ack is lost
 * @param crash      probability of a crash between a consumer's work and its ack
 * @param failures   consumer calls that throw {@link InjectedFault}
 */
public record FaultPlan(double duplicate, double reorder, double dropAck, double crash, List<ConsumerFailure> failures) {
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
        failures = List.copyOf(failures);
    }

    /** No faults. */
    public static FaultPlan none() {
        return NONE;
    }

    public FaultPlan duplicateDeliveries(double probability) {
        return new FaultPlan(probability, reorder, dropAck, crash, failures);
    }

    public FaultPlan reorderDeliveries(double probability) {
        return new FaultPlan(duplicate, probability, dropAck, crash, failures);
    }

    public FaultPlan dropAcks(double probability) {
        return new FaultPlan(duplicate, reorder, probability, crash, failures);
    }

    public FaultPlan crashBeforeAck(double probability) {
        return new FaultPlan(duplicate, reorder, dropAck, probability, failures);
    }

    public FaultPlan failConsumer(Class<?> type, int call) {
        List<ConsumerFailure> more = new ArrayList<>(failures);
        more.add(new ConsumerFailure(type, call));
        return new FaultPlan(duplicate, reorder, dropAck, crash, more);
    }

    private static void check(double p, String name) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " probability must be in [0, 1], was " + p);
        }
    }
}
