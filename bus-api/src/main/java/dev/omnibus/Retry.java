package dev.omnibus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A retry policy: how many times to try a failed message again, how long to wait before each try,
 * and which exceptions count. Used for in-process retry ({@link ReceiveEndpointBuilder#retry}) and
 * for delayed redelivery through the scheduler ({@link ReceiveEndpointBuilder#redelivery}).
 *
 * <pre>{@code
 * Retry.none()                                                   // fail at once
 * Retry.immediate(3)                                             // 3 more tries, no wait
 * Retry.interval(5, Duration.ofSeconds(1))                       // 5 more tries, 1 s apart
 * Retry.intervals(Duration.ofSeconds(1), Duration.ofSeconds(10)) // 2 more tries, these waits
 * Retry.exponential(5, Duration.ofMillis(100), Duration.ofSeconds(5))
 *      .ignore(IllegalArgumentException.class)                   // never retry these
 * }</pre>
 *
 * <p>Exponential waits double from {@code min} up to {@code max}, each multiplied by a random
 * factor in [0.8, 1.2) (jitter, so that many failing consumers do not retry in lock step) and kept
 * within [min, max]. A {@link BusException} that is not {@linkplain BusException#isRetryable()
 * retryable} is never retried. Immutable and thread-safe.
 */
public final class Retry {
    private static final Retry NONE = new Retry(Kind.INTERVALS, 0, List.of(), null, null, List.of(), List.of(), null);

    private enum Kind { INTERVALS, EXPONENTIAL }

    private final Kind kind;
    private final int limit;
    private final List<Duration> intervals;
    private final Duration min;
    private final Duration max;
    private final List<Class<? extends Throwable>> handled;
    private final List<Class<? extends Throwable>> ignored;
    private final RandomGenerator random;

    private Retry(Kind kind, int limit, List<Duration> intervals, Duration min, Duration max,
            List<Class<? extends Throwable>> handled, List<Class<? extends Throwable>> ignored, RandomGenerator random) {
        this.kind = kind;
        this.limit = limit;
        this.intervals = intervals;
        this.min = min;
        this.max = max;
        this.handled = handled;
        this.ignored = ignored;
        this.random = random;
    }

    /** Never retry. */
    public static Retry none() {
        return NONE;
    }

    /** Retry {@code retries} times without waiting. */
    public static Retry immediate(int retries) {
        return interval(retries, Duration.ZERO);
    }

    /** Retry {@code retries} times, waiting {@code interval} before each. */
    public static Retry interval(int retries, Duration interval) {
        checkCount(retries);
        checkDuration(interval, "interval");
        return new Retry(Kind.INTERVALS, retries, java.util.Collections.nCopies(retries, interval), null, null,
                List.of(), List.of(), null);
    }

    /** Retry once per interval, waiting that interval before the try. */
    public static Retry intervals(Duration... intervals) {
        List<Duration> list = List.of(intervals);
        list.forEach(d -> checkDuration(d, "interval"));
        return new Retry(Kind.INTERVALS, list.size(), list, null, null, List.of(), List.of(), null);
    }

    /** Retry {@code retries} times with waits doubling from {@code min} to at most {@code max}, with jitter. */
    public static Retry exponential(int retries, Duration min, Duration max) {
        checkCount(retries);
        checkDuration(min, "min");
        checkDuration(max, "max");
        if (max.compareTo(min) < 0) {
            throw new ConfigurationException("exponential retry: max (" + max + ") is below min (" + min + ")");
        }
        return new Retry(Kind.EXPONENTIAL, retries, List.of(), min, max, List.of(), List.of(), null);
    }

    /** A copy that retries only exceptions of these types (and their subtypes). */
    @SafeVarargs
    public final Retry handle(Class<? extends Throwable>... types) {
        List<Class<? extends Throwable>> h = new ArrayList<>(handled);
        h.addAll(Arrays.asList(types));
        return new Retry(kind, limit, intervals, min, max, List.copyOf(h), ignored, random);
    }

    /** A copy that never retries exceptions of these types (and their subtypes). */
    @SafeVarargs
    public final Retry ignore(Class<? extends Throwable>... types) {
        List<Class<? extends Throwable>> i = new ArrayList<>(ignored);
        i.addAll(Arrays.asList(types));
        return new Retry(kind, limit, intervals, min, max, handled, List.copyOf(i), random);
    }

    /** A copy drawing its jitter from {@code random} (for reproducible tests). */
    public Retry withRandom(RandomGenerator random) {
        return new Retry(kind, limit, intervals, min, max, handled, ignored, Objects.requireNonNull(random));
    }

    /** The most retries after the first attempt. */
    public int limit() {
        return limit;
    }

    /** The longest wait this policy can ask for before one retry (zero when it never waits or never retries). */
    public Duration longestDelay() {
        if (limit == 0) {
            return Duration.ZERO;
        }
        if (kind == Kind.EXPONENTIAL) {
            return max;
        }
        Duration longest = Duration.ZERO;
        for (Duration d : intervals) {
            if (d.compareTo(longest) > 0) {
                longest = d;
            }
        }
        return longest;
    }

    /** Whether {@code failure} is of a kind this policy retries at all. */
    public boolean handles(Throwable failure) {
        if (failure instanceof BusException be && !be.isRetryable()) {
            return false;
        }
        for (Class<? extends Throwable> t : ignored) {
            if (t.isInstance(failure)) {
                return false;
            }
        }
        if (handled.isEmpty()) {
            return true;
        }
        for (Class<? extends Throwable> t : handled) {
            if (t.isInstance(failure)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The wait before retry number {@code retry} (1 for the first retry) after {@code failure},
     * or empty when the policy gives up.
     */
    public Optional<Duration> delayBefore(int retry, Throwable failure) {
        if (retry < 1 || retry > limit || !handles(failure)) {
            return Optional.empty();
        }
        if (kind == Kind.INTERVALS) {
            return Optional.of(intervals.get(retry - 1));
        }
        long minNanos = min.toNanos();
        long maxNanos = max.toNanos();
        int shift = Math.min(retry - 1, 62);
        long base = minNanos > (maxNanos >> shift) ? maxNanos : minNanos << shift;
        RandomGenerator r = random != null ? random : RandomGenerator.getDefault();
        double factor = 0.8 + 0.4 * r.nextDouble();
        long jittered = (long) Math.min((double) maxNanos, base * factor);
        return Optional.of(Duration.ofNanos(Math.max(minNanos, jittered)));
    }

    @Override
    public String toString() {
        if (limit == 0) {
            return "Retry.none()";
        }
        return kind == Kind.INTERVALS ? "Retry.intervals" + intervals : "Retry.exponential(" + limit + ", " + min + ", " + max + ")";
    }

    private static void checkCount(int retries) {
        if (retries < 0) {
            throw new ConfigurationException("retry count must not be negative, was " + retries);
        }
    }

    private static void checkDuration(Duration d, String what) {
        if (d == null || d.isNegative()) {
            throw new ConfigurationException("retry " + what + " must be zero or positive, was " + d);
        }
    }
}
