package dev.omnibus.outbox;

import java.time.Duration;

/** A validated outbox configuration. */
record OutboxSettings(String name, int batchSize, int lanesPerClaim, Duration pollInterval, Duration sendTimeout,
        Duration minBackoff, Duration maxBackoff, Duration inboxRetention, Duration cleanUpInterval, Duration stopTimeout,
        boolean listen, StepListener steps, Tables tables) {
}
