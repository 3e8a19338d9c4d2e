package dev.omnibus.saga.model;

import dev.omnibus.saga.State;

/**
 * An edge of the state chart derived from the model: in {@code from}, {@code event} can move the
 * instance to {@code to}; {@code conditional} when the move sits in a branch. {@code event} is
 * null for a move made by a state's enter activities.
 *
 * @param from        the state the event arrives in
 * @param event       the event's name, or null
 * @param to          the target state
 * @param conditional whether a branch decides
 */
public record Transition(State from, String event, State to, boolean conditional) {
}
