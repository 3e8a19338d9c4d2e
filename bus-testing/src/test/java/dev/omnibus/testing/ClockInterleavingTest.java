package dev.omnibus.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A consumer's clock reads ({@code ConsumeContext.clock()}) are interleaving points of the simulation. */
class ClockInterleavingTest {
    record Redeem(String coupon, String customer) {
    }

    record Tick(int n) {
    }

    /**
     * Two customers redeem one coupon on a concurrency-2 endpoint. The buggy consumer checks that the
     * coupon is unused, reads the clock to stamp the redemption, then marks it used: another delivery
     * can run at the clock read, between the check and the act. The correct one claims the coupon in
     * one atomic step after reading the clock.
     */
    static void couponRedeemedOnce(long seed, boolean checkThenAct) {
        Map<String, Instant> redeemedAt = new ConcurrentHashMap<>(); // the coupons table
        AtomicInteger discounts = new AtomicInteger();
        try (TestHarness h = TestHarness.builder().deterministic(seed)
                .configure(bus -> bus.receiveEndpoint("coupons", e -> e.concurrency(2)
                        .consumer(Redeem.class, ctx -> {
                            String coupon = ctx.message().coupon();
                            if (checkThenAct) {
                                if (!redeemedAt.containsKey(coupon)) {             // check
                                    Instant at = ctx.clock().instant();            // stamp: another delivery may run here
                                    redeemedAt.put(coupon, at);                    // act
                                    discounts.incrementAndGet();
                                }
                            } else if (redeemedAt.putIfAbsent(coupon, ctx.clock().instant()) == null) {
                                discounts.incrementAndGet();
                            }
                        })))
                .start()) {
            h.publish(new Redeem("SPRING", "ada"));
            h.publish(new Redeem("SPRING", "bob"));
            h.assertIdle();
            assertThat(discounts).as("discounts granted for one coupon").hasValue(1);
            assertThat(redeemedAt.get("SPRING")).isEqualTo(VirtualClock.EPOCH);
        }
    }

    @Test
    void aCheckThenActAroundAClockReadGrantsTwoDiscountsAndIsFoundWithin10Seeds() {
        assertThatThrownBy(() -> Simulation.explore(10, seed -> couponRedeemedOnce(seed, true)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Scenario failed with seed")
                .hasMessageContaining("discounts granted for one coupon")
                .hasMessageContaining("Shortest failing schedule found")
                .satisfies(e -> System.out.println("Planted check-then-act around a clock read: " + e.getMessage()));
    }

    @Test
    void anAtomicClaimGrantsOneDiscountEverySeed() {
        Simulation.explore(50, seed -> couponRedeemedOnce(seed, false));
    }

    /** Three ticks on a concurrency-3 endpoint, each consumer reading the clock twice or not at all; the run's schedule. */
    static List<String> ticks(long seed, boolean readClock) {
        try (TestHarness h = TestHarness.builder().deterministic(seed)
                .configure(bus -> bus.receiveEndpoint("ticks", e -> e.concurrency(3)
                        .consumer(Tick.class, ctx -> {
                            if (readClock) {
                                ctx.clock().instant();
                                ctx.clock().millis();
                            }
                        })))
                .start()) {
            for (int i = 0; i < 3; i++) {
                h.publish(new Tick(i));
            }
            h.assertIdle();
            return h.schedule();
        }
    }

    @Test
    void clockReadsAppearInSchedulesAndSeedsExploreMoreOfThem() {
        Set<List<String>> withReads = new HashSet<>();
        Set<List<String>> without = new HashSet<>();
        List<String> labels = new ArrayList<>();
        for (long seed = 0; seed < 100; seed++) {
            List<String> schedule = ticks(seed, true);
            withReads.add(schedule);
            labels.addAll(schedule);
            without.add(ticks(seed, false));
            assertThat(ticks(seed, true)).as("seed %d again", seed).isEqualTo(schedule);
        }
        System.out.println("Distinct schedules of 100 seeds: " + withReads.size() + " with clock reads, "
                + without.size() + " without");
        assertThat(labels).anyMatch(l -> l.contains("resume ticks task") && l.contains(" at clock"));
        assertThat(withReads.size()).isGreaterThan(without.size() * 2);
    }

    @Test
    void inTheThreadedHarnessAReadIsTheVirtualTime() {
        List<Instant> reads = new ArrayList<>();
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus.receiveEndpoint("ticks", e -> e.consumer(Tick.class, ctx -> {
                    synchronized (reads) {
                        reads.add(ctx.clock().instant());
                    }
                })))
                .start()) {
            h.advance(Duration.ofHours(3));
            Instant before = h.clock().now();
            h.publish(new Tick(1));
            h.assertConsumed(Tick.class);
            Instant after = h.clock().now();
            synchronized (reads) {
                assertThat(reads).singleElement().satisfies(r -> assertThat(r).isBetween(before, after)
                        .isEqualTo(VirtualClock.EPOCH.plus(Duration.ofHours(3))));
            }
            assertThat(h.applicationClock().instant()).isEqualTo(after);
            assertThat(h.bus().clock().instant()).isEqualTo(after);
            assertThat(h.applicationClock().getZone()).isEqualTo(ZoneOffset.UTC);
        }
    }

    @Test
    void inTheDeterministicHarnessAReadIsTheVirtualTimeAndTheClockOutlivesACrash() {
        List<Instant> reads = new ArrayList<>();
        try (TestHarness h = TestHarness.builder().deterministic(1)
                .configure(bus -> bus.receiveEndpoint("ticks", e -> e.consumer(Tick.class, ctx -> {
                    synchronized (reads) {
                        reads.add(ctx.clock().instant());
                    }
                })))
                .start()) {
            java.time.Clock clock = h.applicationClock();
            assertThat(clock.instant()).isEqualTo(VirtualClock.EPOCH); // on the test's thread: a plain read
            h.advance(Duration.ofMinutes(5));
            h.publish(new Tick(1));
            h.assertConsumed(Tick.class);
            h.crash();
            h.advance(Duration.ofMinutes(5));
            h.publish(new Tick(2));
            h.assertIdle();
            synchronized (reads) {
                assertThat(reads).containsExactly(VirtualClock.EPOCH.plus(Duration.ofMinutes(5)),
                        VirtualClock.EPOCH.plus(Duration.ofMinutes(10)));
            }
            assertThat(clock.instant()).isEqualTo(h.clock().now()).isEqualTo(h.bus().clock().instant());
        }
    }
}
