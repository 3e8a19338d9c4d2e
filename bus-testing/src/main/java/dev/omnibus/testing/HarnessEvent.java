package dev.omnibus.testing;

import dev.omnibus.Address;
import dev.omnibus.Envelope;
import java.time.Duration;

/**
 * One thing the harness saw, in the order seen.
 *
 * @param number      the message's number in this harness run (#1, #2, …), stable across runs
 * @param kind        what happened
 * @param message     the message, or null when it could not be read
 * @param envelope    its envelope, or null when it could not be read
 * @param destination where it was sent ({@link Kind#SENT}), else null
 * @param endpoint    the endpoint it happened on, or null for produced messages
 * @param consumer    the consumer's class name for consumer events, else null
 * @param error       the exception for failures, else null
 * @param detail      a reason in words (dead-letter reason, injected fault), or null
 * @param at          virtual time since the harness started
 */
public record HarnessEvent(
        int number,
        Kind kind,
        Object message,
        Envelope envelope,
        Address destination,
        String endpoint,
        String consumer,
        Throwable error,
        String detail,
        Duration at) {

    /** What happened to a message. */
    public enum Kind {
        /** Published by the bus or a consumer. */
        PUBLISHED,
        /** Sent to one endpoint. */
        SENT,
        /** A consumer returned normally. */
        CONSUMED,
        /** A consumer threw (a retry may follow). */
        CONSUME_FAILED,
        /** Moved to the endpoint's error queue. */
        FAULTED,
        /** Moved to the endpoint's skipped queue. */
        SKIPPED,
        /** The simulation injected a fault (duplicate, reorder, lost ack, crash). */
        INJECTED
    }

    /** The message's type name, for listings. */
    public String typeName() {
        if (message != null) {
            return message instanceof dev.omnibus.Fault<?> f && f.message() != null
                    ? "Fault<" + f.message().getClass().getSimpleName() + ">"
                    : message.getClass().getSimpleName();
        }
        if (envelope != null && !envelope.messageType().isEmpty()) {
            return envelope.messageType().get(0);
        }
        return "(unreadable)";
    }

    /** One line describing the event. */
    public String describe() {
        String what = switch (kind) {
            case PUBLISHED -> typeName() + " published";
            case SENT -> typeName() + " sent to " + destination;
            case CONSUMED -> "consumed by " + simple(consumer) + " on " + endpoint;
            case CONSUME_FAILED -> "failed in " + simple(consumer) + " on " + endpoint + ": " + error;
            case FAULTED -> "moved to " + endpoint + "_error: " + detail;
            case SKIPPED -> "moved to " + endpoint + "_skipped: " + detail;
            case INJECTED -> "injected: " + detail;
        };
        return "#" + number + " " + what + " @" + format(at);
    }

    static String simple(String className) {
        if (className == null) {
            return "?";
        }
        int dot = className.lastIndexOf('.');
        String s = dot >= 0 ? className.substring(dot + 1) : className;
        return s.replace('$', '.');
    }

    static String format(Duration d) {
        if (d.isZero()) {
            return "+0";
        }
        if (d.toMillis() < 1000) {
            return "+" + d.toMillis() + "ms";
        }
        return "+" + d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
