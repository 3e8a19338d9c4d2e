package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waiting on a condition with a deadline (bus-api's tests cannot use bus-testing's {@code Await}). */
final class Waits {
    private Waits() {
    }

    /** Polls {@code condition} every millisecond until it holds; fails naming {@code what} after {@code max}. */
    static void until(String what, Duration max, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within %s", what, max).isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
