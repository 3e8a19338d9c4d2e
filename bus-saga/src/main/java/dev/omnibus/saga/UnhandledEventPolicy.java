package dev.omnibus.saga;

/**
 * What happens when an event arrives in a state that neither handles nor ignores it (including an
 * event for an instance that does not exist, when the initial state does not handle it).
 */
public enum UnhandledEventPolicy {
    /** The message fails with {@link UnhandledEventException}: retry, then the error queue (the default). */
    FAULT,
    /** The message is acknowledged and dropped, with a log line at INFO. */
    IGNORE
}
