package dev.omnibus.saga.testing;

import dev.omnibus.saga.State;
import java.util.List;
import java.util.Optional;

/**
 * One order {@link SagaExplorer} ran: the steps in the order they happened, where the instance
 * ended, what the saga produced and what went wrong. Immutable.
 *
 * @param order      the steps, by name: an event's name for its message ({@code OrderSubmitted}, twice
 *                   for a duplicate), {@code "<schedule> fires"} where time passed by that schedule's delay
 * @param state      the state the instance ended in, once every step ran (and, with timeouts
 *                   explored, once every pending timeout fired): {@link State#INITIAL} when no
 *                   instance was ever stored, {@link State#FINAL} when it was removed on finalizing
 * @param instance   the instance's data as stored at the end, if it is stored
 * @param produced   the messages the saga published and sent (its timeouts included), in order
 * @param failures   the failures of the saga's consumer (an {@link dev.omnibus.saga.UnhandledEventException},
 *                   an activity that threw), each naming the step it happened at
 * @param violations what this run broke: each failure, then each expectation that does not hold;
 *                   empty when the run passed (an expectation is shown the run with its failures only)
 * @param <S>        the saga state class
 */
public record ExploredRun<S>(
        List<String> order,
        State state,
        Optional<S> instance,
        List<Object> produced,
        List<String> failures,
        List<String> violations) {

    public ExploredRun {
        order = List.copyOf(order);
        produced = List.copyOf(produced);
        failures = List.copyOf(failures);
        violations = List.copyOf(violations);
    }

    /** The messages of {@code type} the saga produced, in order. */
    public <T> List<T> produced(Class<T> type) {
        return produced.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Whether the run broke nothing. */
    public boolean passed() {
        return violations.isEmpty();
    }

    /** One line: the order, the state it ended in and what it broke. */
    public String describe() {
        return String.join(", ", order) + " -> " + state + (passed() ? "" : ": " + String.join("; ", violations));
    }

    @Override
    public String toString() {
        return describe();
    }
}
