package dev.omnibus.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.SendOptions;
import dev.omnibus.spi.Filter;
import dev.omnibus.spi.Interleaving;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Bugs planted on purpose: the simulation must find each within a stated number of seeds, and shrink it. */
class PlantedBugsTest {
    record Charge(int n) {
    }

    record Order(UUID id) {
    }

    record ChargeCard(UUID id) {
    }

    record CardCharged(UUID id) {
    }

    record PaymentTimeout(UUID id) {
    }

    record OrderCancelled(UUID id) {
    }

    /**
     * An inbox over a table (a set standing for the database). Correct: one atomic insert-if-absent
     * decides. Buggy: a check and an insert in two transactions, with the consumer between them.
     */
    static Filter inbox(Set<UUID> table, boolean twoTransactions) {
        return (ctx, next) -> {
            if (twoTransactions) {
                Interleaving.point("inbox-check");
                if (table.contains(ctx.messageId())) {
                    return;
                }
                next.proceed(ctx);
                Interleaving.point("inbox-insert");
                table.add(ctx.messageId());
            } else {
                Interleaving.point("inbox-insert");
                if (!table.add(ctx.messageId())) {
                    return;
                }
                next.proceed(ctx);
            }
        };
    }

    static void chargeOnce(long seed, boolean twoTransactions) {
        Set<UUID> table = ConcurrentHashMap.newKeySet();
        Map<Integer, AtomicInteger> charges = new ConcurrentHashMap<>();
        try (TestHarness h = TestHarness.builder().deterministic(seed)
                .faults(FaultPlan.none().duplicateDeliveries(0.3))
                .configure(bus -> bus.receiveEndpoint("charges", e -> e.concurrency(4).filter(inbox(table, twoTransactions))
                        .consumer(Charge.class, ctx -> {
                            Interleaving.point("charge"); // the consumer's own call to the card processor
                            charges.computeIfAbsent(ctx.message().n(), n -> new AtomicInteger()).incrementAndGet();
                        })))
                .start()) {
            for (int i = 0; i < 3; i++) {
                h.publish(new Charge(i));
            }
            h.assertIdle();
            for (int i = 0; i < 3; i++) {
                assertThat(charges.get(i)).as("charges of card %d", i).hasValue(1);
            }
        }
    }

    @Test
    void anInboxThatChecksAndInsertsInTwoTransactionsChargesTwiceAndIsFoundWithin30Seeds() {
        assertThatThrownBy(() -> Simulation.explore(30, seed -> chargeOnce(seed, true)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Scenario failed with seed")
                .hasMessageContaining("Shortest failing schedule found")
                .hasMessageContaining("fault: duplicate on charges")
                .satisfies(e -> System.out.println("Planted two-transaction inbox: " + e.getMessage()));
    }

    @Test
    void anInboxThatInsertsAsItsCheckChargesOnceEverySeed() {
        Simulation.explore(100, seed -> chargeOnce(seed, false));
    }

    /**
     * Orders wait a minute for payment. The buggy service forgets to cancel the scheduled timeout when
     * the card is charged, so a paid order is cancelled a minute later.
     */
    static void paidOrdersStay(long seed, boolean cancelTimeout) {
        Set<UUID> paid = ConcurrentHashMap.newKeySet();
        Set<UUID> cancelledPaid = ConcurrentHashMap.newKeySet();
        try (TestHarness h = TestHarness.builder().deterministic(seed)
                .faults(FaultPlan.none().reorderDeliveries(0.3))
                .configure(bus -> bus
                        .receiveEndpoint("orders", e -> e
                                .consumer(Order.class, ctx -> {
                                    ctx.send(Address.queue("cards"), new ChargeCard(ctx.message().id()));
                                    ctx.send(Address.queue("orders"), new PaymentTimeout(ctx.message().id()), SendOptions
                                            .defaults().withDelay(Duration.ofMinutes(1)).withMessageId(timeoutId(ctx.message().id())));
                                })
                                .consumer(CardCharged.class, ctx -> {
                                    paid.add(ctx.message().id());
                                    if (cancelTimeout) {
                                        ctx.cancelScheduledSend(timeoutId(ctx.message().id()));
                                    }
                                })
                                .consumer(PaymentTimeout.class, ctx -> {
                                    if (paid.contains(ctx.message().id())) {
                                        cancelledPaid.add(ctx.message().id());
                                    }
                                    ctx.publish(new OrderCancelled(ctx.message().id()));
                                }))
                        .receiveEndpoint("cards", e -> e.consumer(ChargeCard.class,
                                ctx -> ctx.send(Address.queue("orders"), new CardCharged(ctx.message().id())))))
                .start()) {
            h.publish(new Order(new UUID(0, 1)));
            h.publish(new Order(new UUID(0, 2)));
            h.advance(Duration.ofMinutes(5));
            assertThat(cancelledPaid).as("paid orders cancelled by their payment timeout").isEmpty();
        }
    }

    static UUID timeoutId(UUID order) {
        return new UUID(order.getMostSignificantBits() + 7, order.getLeastSignificantBits());
    }

    @Test
    void aTimeoutNotCancelledAfterTheAwaitedReplyIsFoundAtTheFirstSeed() {
        assertThatThrownBy(() -> Simulation.explore(10, seed -> paidOrdersStay(seed, false)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Scenario failed with seed 0 ")
                .hasMessageContaining("paid orders cancelled by their payment timeout")
                .satisfies(e -> System.out.println("Planted uncancelled timeout: " + e.getMessage()));
    }

    @Test
    void theTimeoutCancelledOnTheReplyPassesEverySeed() {
        Simulation.explore(50, seed -> paidOrdersStay(seed, true));
    }
}
