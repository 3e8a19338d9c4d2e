package dev.omnibus.saga;

import java.util.UUID;

/**
 * A read-only snapshot of one saga instance, as a repository holds it, with the user's state
 * decoded: see {@link StateMachine#find}.
 *
 * @param id      the correlation id
 * @param state   the current state
 * @param version the optimistic-concurrency version (1 after the first event)
 * @param data    the user's saga state object (a copy: changing it changes nothing stored)
 * @param <S>     the saga state type
 */
public record SagaInstance<S>(UUID id, State state, long version, S data) {
}
