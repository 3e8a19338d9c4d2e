package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The watermark rules of {@link PartitionTracker}: pure logic, no broker. */
class PartitionTrackerTest {
    private final AtomicInteger inFlight = new AtomicInteger();
    private final PartitionTracker tracker = new PartitionTracker(inFlight);

    @Test
    void theWatermarkNeverPassesAnUnsettledRecordWhateverTheSettlingOrder() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            AtomicInteger counter = new AtomicInteger();
            PartitionTracker t = new PartitionTracker(counter);
            List<Long> offsets = new ArrayList<>();
            long o = round;
            for (int i = 0; i < 30; i++) {
                o += 1 + random.nextInt(3); // gaps, as compaction and transaction markers leave
                offsets.add(o);
                t.handed(o);
            }
            List<Long> order = new ArrayList<>(offsets);
            Collections.shuffle(order, random);
            java.util.Set<Long> settled = new java.util.HashSet<>();
            for (long s : order) {
                assertThat(t.settled(s)).isTrue();
                settled.add(s);
                long w = t.watermark();
                // every handed offset below the watermark is settled, and the first unsettled one is at or above it
                for (long h : offsets) {
                    if (h < w) {
                        assertThat(settled).as("offset %d below watermark %d", h, w).contains(h);
                    }
                }
                long firstUnsettled = offsets.stream().filter(h -> !settled.contains(h)).findFirst().orElse(Long.MAX_VALUE);
                assertThat(w).isLessThanOrEqualTo(firstUnsettled);
            }
            assertThat(t.watermark()).isEqualTo(offsets.get(offsets.size() - 1) + 1);
            assertThat(counter).hasValue(0);
        }
    }

    @Test
    void futuresCompleteOnlyWhenACommitCoversThem() {
        CompletableFuture<Void> f10 = tracker.handed(10);
        CompletableFuture<Void> f11 = tracker.handed(11);
        CompletableFuture<Void> f14 = tracker.handed(14);
        tracker.settled(11);
        assertThat(tracker.toCommit()).as("nothing to commit while 10 runs").isEqualTo(-1);
        tracker.settled(10);
        assertThat(tracker.toCommit()).isEqualTo(12);
        assertThat(tracker.toCommit()).as("asked for already").isEqualTo(-1);
        assertThat(f10).isNotDone();
        tracker.committed(12);
        assertThat(f10).isCompleted();
        assertThat(f11).isCompleted();
        assertThat(f14).isNotDone();
        assertThat(inFlight).hasValue(1);
    }

    @Test
    void aFailedCommitFailsItsRecordsFuturesAndIsAskedForAgain() {
        CompletableFuture<Void> f = tracker.handed(3);
        tracker.settled(3);
        assertThat(tracker.toCommit()).isEqualTo(4);
        tracker.commitFailed(4, new IllegalStateException("coordinator moved"));
        assertThat(f).isCompletedExceptionally();
        assertThat(tracker.toCommit()).as("the next interval asks again").isEqualTo(4);
    }

    @Test
    void aReleasedRecordLeavesTheWindowButHoldsTheWatermark() {
        tracker.handed(1);
        tracker.handed(2);
        assertThat(inFlight).hasValue(2);
        assertThat(tracker.released(1)).isTrue();
        assertThat(inFlight).hasValue(1);
        tracker.settled(2);
        assertThat(inFlight).hasValue(0);
        assertThat(tracker.watermark()).as("1 was given back unsettled").isEqualTo(-1);
        assertThat(tracker.inFlight()).isZero();
    }

    @Test
    void aRecordHandedAgainKeepsItsFutureAndCountsOnce() {
        CompletableFuture<Void> first = tracker.handed(5);
        assertThat(tracker.handed(5)).isSameAs(first);
        assertThat(inFlight).hasValue(1);
        assertThat(tracker.settled(5)).isTrue();
        assertThat(tracker.settled(5)).as("settled twice").isFalse();
        assertThat(inFlight).hasValue(0);
    }

    @Test
    void afterFreezingSettlementsAreRefusedAndRevokeFailsWhatNoCommitCovered() {
        CompletableFuture<Void> f1 = tracker.handed(1);
        CompletableFuture<Void> f2 = tracker.handed(2);
        tracker.settled(1);
        tracker.freeze();
        assertThat(inFlight).as("the running record left the window with its partition").hasValue(0);
        assertThat(tracker.settled(2)).isFalse();
        assertThat(tracker.watermark()).isEqualTo(2);
        tracker.committed(2);
        tracker.revoke(new IllegalStateException("revoked"));
        assertThat(f1).isCompleted();
        assertThat(f2).isCompletedExceptionally();
        assertThat(tracker.revoked()).isTrue();
        assertThatThrownBy(() -> tracker.handed(3)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void offsetsMustBeHandedInOrder() {
        tracker.handed(7);
        assertThatThrownBy(() -> tracker.handed(6)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theNextOwnerMarksWhatThePreviousOneHandedOutAsRedelivered() {
        tracker.handed(4);
        tracker.handed(5);
        tracker.handed(9);
        tracker.settled(4);
        assertThat(tracker.commitMetadata()).isEqualTo("omnibus:handed=9");

        PartitionTracker next = new PartitionTracker(new AtomicInteger());
        next.previousOwner(tracker.commitMetadata());
        assertThat(next.firstDeliveryCount(5)).isEqualTo(2);
        assertThat(next.firstDeliveryCount(9)).isEqualTo(2);
        assertThat(next.firstDeliveryCount(10)).isEqualTo(1);

        PartitionTracker foreign = new PartitionTracker(new AtomicInteger());
        foreign.previousOwner("written by another tool");
        assertThat(foreign.firstDeliveryCount(0)).isEqualTo(1);
        assertThat(new PartitionTracker(new AtomicInteger()).commitMetadata()).as("nothing handed").isEmpty();
    }

    @Test
    void aFinalCommitWithNothingSettledStaysBeforeTheFirstHandedRecord() {
        assertThat(tracker.finalPosition()).as("nothing handed").isEqualTo(-1);
        tracker.handed(40);
        tracker.handed(41);
        tracker.released(40);
        assertThat(tracker.finalPosition()).as("40 was given back: the next owner starts there").isEqualTo(40);
        tracker.settled(41);
        assertThat(tracker.finalPosition()).isEqualTo(40);
        assertThat(tracker.commitMetadata()).isEqualTo("omnibus:handed=41");
    }

    @Test
    void aCommitCompletesOnlyTheRecordsStrictlyBelowItsPosition() {
        CompletableFuture<Void> f11 = tracker.handed(11);
        CompletableFuture<Void> f12 = tracker.handed(12);
        tracker.settled(11);
        tracker.settled(12);
        tracker.committed(12); // position 12 covers 11, not 12
        assertThat(f11).isCompleted();
        assertThat(f12).isNotDone();
        tracker.commitFailed(13, new IllegalStateException("x"));
        assertThat(f12).isCompletedExceptionally();

        PartitionTracker other = new PartitionTracker(new AtomicInteger());
        CompletableFuture<Void> g5 = other.handed(5);
        CompletableFuture<Void> g6 = other.handed(6);
        other.settled(5);
        other.settled(6);
        other.commitFailed(6, new IllegalStateException("y"));
        assertThat(g5).isCompletedExceptionally();
        assertThat(g6).as("6 is not below the failed position").isNotDone();
    }

    @Test
    void offsetZeroIsAnOffsetLikeAnyOther() {
        tracker.handed(0);
        assertThat(tracker.commitMetadata()).isEqualTo("omnibus:handed=0");
        assertThat(tracker.finalPosition()).isEqualTo(0);
        tracker.settled(0);
        assertThat(tracker.watermark()).isEqualTo(1);
    }

    @Test
    void inFlightCountsWhatRunsAndARecordIsReleasedOnce() {
        assertThat(tracker.revoked()).isFalse();
        tracker.handed(1);
        tracker.handed(2);
        assertThat(tracker.inFlight()).isEqualTo(2);
        assertThat(tracker.released(2)).isTrue();
        assertThat(tracker.released(2)).as("released twice").isFalse();
        assertThat(tracker.inFlight()).isEqualTo(1);
        assertThat(tracker.settled(2)).as("a released record may still settle (a late ack)").isTrue();
        assertThat(inFlight).as("counted out once").hasValue(1);
    }

    @Test
    void revokingWithoutFreezingFirstStillTakesTheRunningRecordsOutOfTheWindow() {
        tracker.handed(1);
        tracker.handed(2);
        tracker.settled(1);
        tracker.revoke(new IllegalStateException("lost"));
        assertThat(inFlight).hasValue(0);
        assertThat(tracker.revoked()).isTrue();
        assertThat(tracker.settled(2)).isFalse();
    }

    // ------------------------------------------------------------------------------------------
    // transactions: outputs wait for the watermark

    private static dev.omnibus.spi.ProducedMessage out(String name) {
        return new dev.omnibus.spi.ProducedMessage(new dev.omnibus.MessageType("urn:message:t:" + name, Object.class,
                Object.class, List.of("urn:message:t:" + name)), null,
                new dev.omnibus.spi.OutgoingMessage(new byte[0], dev.omnibus.Headers.empty(), null, null));
    }

    private static List<String> names(PartitionTracker.Batch b) {
        return b.outputs().stream().map(m -> m.type().urn().substring("urn:message:t:".length())).toList();
    }

    @Test
    void aTransactionTakesTheOutputsOfExactlyTheRecordsBelowTheWatermark() {
        tracker.handed(10);
        tracker.handed(11);
        tracker.handed(12);
        tracker.settled(11, List.of(out("a11"), out("b11"))); // finished above the watermark: 10 still runs
        assertThat(tracker.takeForTransaction(false)).as("nothing due while 10 runs").isNull();
        tracker.settled(10, List.of(out("a10")));
        PartitionTracker.Batch first = tracker.takeForTransaction(false);
        assertThat(first.position()).isEqualTo(12);
        assertThat(names(first)).as("outputs of 10 and 11, in offset order").containsExactly("a10", "a11", "b11");
        assertThat(tracker.takeForTransaction(false)).as("taken once: nothing moved since").isNull();
        tracker.settled(12, List.of(out("a12")));
        PartitionTracker.Batch second = tracker.takeForTransaction(false);
        assertThat(second.position()).isEqualTo(13);
        assertThat(names(second)).containsExactly("a12");
    }

    @Test
    void aFinalTransactionCommitsTheFirstHandedRecordWithNoOutputsWhenNothingSettled() {
        tracker.handed(5);
        tracker.handed(6);
        tracker.settled(6, List.of(out("a6")));
        PartitionTracker.Batch b = tracker.takeForTransaction(true);
        assertThat(b.position()).as("the watermark cannot pass 5").isEqualTo(5);
        assertThat(b.outputs()).as("6's output waits: 6 is above the committed position").isEmpty();
        assertThat(tracker.rewindPosition()).as("never committed: where it was assigned").isEqualTo(5);
        tracker.committed(5);
        assertThat(tracker.rewindPosition()).isEqualTo(5);
    }

    @Test
    void anAbortedTransactionsOutputsGoFirstIntoTheNextOneWithThePositionAskedAgain() {
        tracker.handed(1);
        tracker.handed(2);
        tracker.settled(1, List.of(out("a1")));
        PartitionTracker.Batch aborted = tracker.takeForTransaction(false);
        assertThat(aborted.position()).isEqualTo(2);
        tracker.transactionAborted(aborted);
        PartitionTracker.Batch again = tracker.takeForTransaction(false);
        assertThat(again.position()).as("the same position, asked again").isEqualTo(2);
        assertThat(names(again)).containsExactly("a1");
        tracker.transactionAborted(again);
        tracker.settled(2, List.of(out("a2")));
        PartitionTracker.Batch next = tracker.takeForTransaction(false);
        assertThat(next.position()).isEqualTo(3);
        assertThat(names(next)).as("the aborted outputs first, in order, then the new ones").containsExactly("a1", "a2");
        tracker.committed(3);
        assertThat(tracker.takeForTransaction(false)).as("nothing left once committed").isNull();
    }
}
