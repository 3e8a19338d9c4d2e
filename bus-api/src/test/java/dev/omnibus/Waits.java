package dev.omnibus;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting on a condition with a deadline (bus-api's tests cannot use bus-testing's {@code Await}). */
final class Waits {
    private Waits() {
    }

    /** Polls {@code condition} every millisecond until it holds; fails naming {@code what} after {@code max}. */
    static void until(String what, Duration max, BooleanSupplier condition) {
        until(what, max, condition, () -> "");
    }

    /** As {@link #until(String, Duration, BooleanSupplier)}, saying {@code state} when it fails. */
    static void until(String what, Duration max, BooleanSupplier condition, Supplier<?> state) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + " within " + max + "; still " + state.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
