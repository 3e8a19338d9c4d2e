package dev.omnibus.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** An outbox configuration; {@link #problems()} says what is wrong with it, in the builder's words. */
record OutboxSettings(String name, int batchSize, int lanesPerClaim, Duration pollInterval, Duration sendTimeout,
        Duration minBackoff, Duration maxBackoff, Duration inboxRetention, Duration cleanUpInterval, Duration stopTimeout,
        boolean listen, StepListener steps, Tables tables) {

    /** Every problem with these settings (the table names are checked by {@link Tables#problems}). */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (name == null || name.isBlank()) {
            problems.add("name must not be blank");
        }
        if (batchSize < 1) {
            problems.add("batchSize must be at least 1, was " + batchSize);
        }
        if (lanesPerClaim < 1 || lanesPerClaim > Schema.LANES) {
            problems.add("lanesPerClaim must be 1.." + Schema.LANES + ", was " + lanesPerClaim);
        }
        positive(problems, "pollInterval", pollInterval);
        positive(problems, "sendTimeout", sendTimeout);
        positive(problems, "backoff min", minBackoff);
        positive(problems, "backoff max", maxBackoff);
        positive(problems, "inboxRetention", inboxRetention);
        positive(problems, "cleanUpInterval", cleanUpInterval);
        if (stopTimeout == null || stopTimeout.isNegative()) {
            problems.add("stopTimeout must be zero or positive, was " + stopTimeout);
        }
        if (minBackoff != null && maxBackoff != null && maxBackoff.compareTo(minBackoff) < 0) {
            problems.add("backoff max (" + maxBackoff + ") is below min (" + minBackoff + ")");
        }
        if (steps == null) {
            problems.add("stepListener must not be null (StepListener.NONE for none)");
        }
        return problems;
    }

    private static void positive(List<String> problems, String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            problems.add(what + " must be positive, was " + d);
        }
    }
}
