package dev.omnibus.saga.model;

/**
 * One result of a model check.
 *
 * @param check   which check
 * @param state   the state concerned, or null
 * @param event   the event concerned, or null
 * @param message what is wrong and how to fix or silence it
 */
public record Finding(Check check, String state, String event, String message) {
    @Override
    public String toString() {
        return check + ": " + message;
    }
}
