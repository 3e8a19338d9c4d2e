package dev.omnibus.testing;

/**
 * Runs a scenario over many seeds of the deterministic harness, so that one test explores many
 * interleavings and injected faults; when a seed fails, the failure names it, and that seed alone
 * replays the same run.
 *
 * <pre>{@code
 * Simulation.explore(100, seed -> {
 *     try (TestHarness h = TestHarness.builder()
 *             .deterministic(seed)
 *             .faults(FaultPlan.none().duplicateDeliveries(0.3))
 *             .configure(bus -> bus.receiveEndpoint("orders", e -> e.consumer(Order.class, consumer)))
 *             .start()) {
 *         h.publish(new Order(id));
 *         h.assertIdle();
 *         assertThat(orders.count()).isEqualTo(1);
 *     }
 * });
 * // on failure: "Scenario failed with seed 17 (seeds 0..99); replay it with Simulation.replay(17, scenario)"
 * }</pre>
 */
public final class Simulation {
    private Simulation() {
    }

    /** A test body run once per seed; build the harness with {@code deterministic(seed)}. */
    @FunctionalInterface
    public interface Scenario {
        void run(long seed) throws Exception;
    }

    /** Runs {@code scenario} with seeds 0 to {@code seeds - 1}; stops at the first failure. */
    public static void explore(int seeds, Scenario scenario) {
        explore(0, seeds, scenario);
    }

    /**
     * Runs {@code scenario} with seeds {@code first} to {@code first + seeds - 1}.
     *
     * @throws AssertionError at the first failing seed, naming it, with the scenario's failure as cause
     */
    public static void explore(long first, int seeds, Scenario scenario) {
        for (long seed = first; seed < first + seeds; seed++) {
            try {
                scenario.run(seed);
            } catch (Throwable t) {
                AssertionError e = new AssertionError("Scenario failed with seed " + seed + " (seeds " + first + ".."
                        + (first + seeds - 1) + "); replay it with Simulation.replay(" + seed + "L, scenario).\n"
                        + t.getMessage(), t);
                throw e;
            }
        }
    }

    /** Runs {@code scenario} with one seed, to replay a failure. */
    public static void replay(long seed, Scenario scenario) throws Exception {
        scenario.run(seed);
    }
}
