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
    /** How many runs shrinking a failure may take. */
    static final int SHRINK_RUNS = 300;
    private static final ThreadLocal<Run> CURRENT = new ThreadLocal<>();

    /** The run in progress on this thread: its seed, the decisions to follow (null: from the seed). */
    private static final class Run {
        final long seed;
        final int[] follow;
        Decisions decisions;

        Run(long seed, int[] follow) {
            this.seed = seed;
            this.follow = follow;
        }
    }

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
     * Runs {@code scenario} with seeds {@code first} to {@code first + seeds - 1}. At the first failure
     * it shrinks the failing run: it replays the run's decisions (scheduling choices and fault rolls)
     * with one removed, or set to its default (the first option, no fault), keeping each change while
     * the scenario still fails, for at most {@value #SHRINK_RUNS} runs; then it fails naming the seed
     * and printing the shortest schedule found, which {@link #replay(long, int[], Scenario)} reruns.
     *
     * @throws AssertionError at the first failing seed, naming it, with the scenario's failure as cause
     */
    public static void explore(long first, int seeds, Scenario scenario) {
        for (long seed = first; seed < first + seeds; seed++) {
            Run run = new Run(seed, null);
            Throwable t = attempt(run, scenario);
            if (t != null) {
                throw new AssertionError("Scenario failed with seed " + seed + " (seeds " + first + ".."
                        + (first + seeds - 1) + "); replay it with Simulation.replay(" + seed + "L, scenario).\n"
                        + t.getMessage() + "\n" + shrink(run, t, scenario), t);
            }
        }
    }

    /** Runs {@code scenario} with one seed, to replay a failure: the same seed makes the same decisions. */
    public static void replay(long seed, Scenario scenario) throws Exception {
        replay(seed, null, scenario);
    }

    /**
     * Runs {@code scenario} with one seed following {@code schedule} (the decisions {@link #explore}
     * printed; past its end every choice is the first option and no fault fires), or the seed's own
     * decisions when null.
     */
    public static void replay(long seed, int[] schedule, Scenario scenario) throws Exception {
        Run previous = CURRENT.get();
        CURRENT.set(new Run(seed, schedule == null ? null : schedule.clone()));
        try {
            scenario.run(seed);
        } finally {
            restore(previous);
        }
    }

    /** The decisions a deterministic harness built with {@code seed} on this thread makes. */
    static Decisions decisionsFor(long seed) {
        Run r = CURRENT.get();
        if (r == null || r.seed != seed) {
            return new Decisions(seed, null);
        }
        if (r.decisions == null) {
            r.decisions = new Decisions(seed, r.follow);
        }
        return r.decisions;
    }

    private static Throwable attempt(Run run, Scenario scenario) {
        Run previous = CURRENT.get();
        CURRENT.set(run);
        try {
            scenario.run(run.seed);
            return null;
        } catch (Throwable t) {
            return t;
        } finally {
            restore(previous);
        }
    }

    private static void restore(Run previous) {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }

    /** Shrinks the failing run's decisions; describes the shortest schedule that still fails. */
    private static String shrink(Run failed, Throwable failure, Scenario scenario) {
        if (failed.decisions == null) {
            return "(no deterministic harness in the scenario: nothing to shrink)";
        }
        int[] best = failed.decisions.taken();
        int original = best.length;
        int runs = 0;
        Run last = null;
        boolean changed = true;
        while (changed && runs < SHRINK_RUNS) {
            changed = false;
            for (int i = 0; i < best.length && runs < SHRINK_RUNS; i++) {
                int[] removed = new int[best.length - 1];
                System.arraycopy(best, 0, removed, 0, i);
                System.arraycopy(best, i + 1, removed, i, best.length - i - 1);
                Run r = new Run(failed.seed, removed);
                runs++;
                if (sameFailure(attempt(r, scenario), failure)) {
                    best = removed;
                    last = r;
                    changed = true;
                    i--;
                    continue;
                }
                if (best[i] != 0 && runs < SHRINK_RUNS) {
                    int[] zeroed = best.clone();
                    zeroed[i] = 0;
                    r = new Run(failed.seed, zeroed);
                    runs++;
                    if (sameFailure(attempt(r, scenario), failure)) {
                        best = zeroed;
                        last = r;
                        changed = true;
                    }
                }
            }
        }
        Run shown = last != null ? last : failed;
        return "Shortest failing schedule found (" + best.length + " decisions of the run's " + original + ", after "
                + runs + " shrinking runs); rerun it with Simulation.replay(" + failed.seed + "L, new int[] "
                + java.util.Arrays.toString(best).replace('[', '{').replace(']', '}') + ", scenario):\n"
                + (shown.decisions == null ? "" : shown.decisions.describe(best.length))
                + "  then the first option at every choice, and no more faults\n";
    }

    private static boolean sameFailure(Throwable t, Throwable original) {
        return t != null && t.getClass() == original.getClass();
    }
}
