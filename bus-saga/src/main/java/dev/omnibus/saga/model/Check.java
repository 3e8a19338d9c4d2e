package dev.omnibus.saga.model;

/** The model checks run on every state machine; see {@link ModelChecks}. */
public enum Check {
    /** No chain of transitions from the initial state reaches this state. */
    UNREACHABLE_STATE,
    /** A state neither handles nor explicitly ignores an event (it would fault or be dropped, by policy). */
    UNHANDLED_EVENT,
    /** A state waits for other services with no timeout of its own: an instance may wait for ever. */
    WAITING_WITHOUT_TIMEOUT,
    /** No chain of transitions leads from this state to the final state. */
    NO_PATH_TO_FINAL,
    /** An event is correlated only by the envelope's correlationId, which depends on senders. */
    EVENT_WITHOUT_CORRELATION
}
