package dev.omnibus.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Short random ids that tests put in the names of the queues and topics they create, so that runs
 * sharing a broker never collide, and so that clean-up removes only what this JVM created:
 * {@link #issued()} lists every id handed out. Thread-safe.
 *
 * <pre>{@code
 * String queue = "orders-" + RunIds.next();   // "orders-9f3a61c2"
 * }</pre>
 */
public final class RunIds {
    private static final Set<String> ISSUED = ConcurrentHashMap.newKeySet();

    private RunIds() {
    }

    /** A new 8-character hexadecimal id, remembered for {@link #issued()}. */
    public static String next() {
        String id = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE).substring(0, 8);
        ISSUED.add(id);
        return id;
    }

    /** Every id this JVM handed out. */
    public static Set<String> issued() {
        return Set.copyOf(ISSUED);
    }

    /** Whether {@code name} contains an id this JVM handed out. */
    public static boolean ours(String name) {
        for (String id : ISSUED) {
            if (name.contains(id)) {
                return true;
            }
        }
        return false;
    }
}
