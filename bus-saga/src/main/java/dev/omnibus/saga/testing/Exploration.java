package dev.omnibus.saga.testing;

import java.math.BigInteger;
import java.util.List;

/**
 * What {@link SagaExplorer#explore()} found: how many orders there are, how many it ran (all of
 * them, or a seeded sample above its bound), and the runs that broke an expectation, shortest
 * first (then by their steps' names). Immutable.
 *
 * @param machine  the machine's name
 * @param total    how many orders the events, duplicates, timeouts and constraints allow
 * @param explored how many of them were run
 * @param sampled  whether {@code explored} is a sample (drawn uniformly from {@code seed}) rather than all
 * @param seed     the sample's seed
 * @param failed   the runs that broke something, shortest first
 * @param <S>      the saga state class
 */
public record Exploration<S>(String machine, BigInteger total, int explored, boolean sampled, long seed,
        List<ExploredRun<S>> failed) {
    /** How many failing runs a failure message lists before "and N more". */
    static final int LISTED = 20;

    public Exploration {
        failed = List.copyOf(failed);
    }

    /** Whether every run passed. */
    public boolean passed() {
        return failed.isEmpty();
    }

    /**
     * Does nothing when every run passed.
     *
     * @throws AssertionError naming each failing order (up to 20, shortest first) and the state it ended in
     */
    public void assertAllPassed() {
        if (!passed()) {
            throw new AssertionError(toString());
        }
    }

    /** The summary line, then one line per failing run (up to 20). */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(machine).append(": ");
        b.append(sampled ? "a sample of " + explored + " of " + total + " orders (seed " + seed + ")" : explored + " orders")
                .append(" explored, ").append(failed.size()).append(" failed");
        if (!failed.isEmpty()) {
            b.append(", shortest first:");
            for (int i = 0; i < Math.min(LISTED, failed.size()); i++) {
                b.append("\n  ").append(i + 1).append(". ").append(failed.get(i).describe());
            }
            if (failed.size() > LISTED) {
                b.append("\n  ... and ").append(failed.size() - LISTED).append(" more");
            }
        }
        return b.toString();
    }
}
