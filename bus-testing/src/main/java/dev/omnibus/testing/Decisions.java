package dev.omnibus.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The decisions of one simulated run, in order: which of the possible next steps ran, and whether
 * each fault roll fired. Drawn from the seed, or followed from a recorded list (a replay, or a
 * shrunk schedule): past the end of a followed list every choice is the first option and no fault
 * fires, so a shorter list is still a whole run. Used from the driver's thread only.
 */
final class Decisions {
    private final SplittableRandom random;
    private final int[] follow;
    private int next;
    private final List<Integer> taken = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();

    Decisions(long seed, int[] follow) {
        this.random = new SplittableRandom(seed);
        this.follow = follow;
    }

    /** Picks one of {@code options} (a choice among one is no decision). */
    synchronized int choose(String[] options) {
        if (options.length == 1) {
            return 0;
        }
        int i;
        if (follow == null) {
            i = random.nextInt(options.length);
        } else {
            i = next < follow.length ? Math.min(Math.max(follow[next++], 0), options.length - 1) : 0;
        }
        taken.add(i);
        labels.add(options[i] + (options.length > 1 ? " (of " + options.length + ")" : ""));
        return i;
    }

    /** Whether a fault of probability {@code p} fires; {@code what} names it in the schedule. */
    synchronized boolean roll(double p, String what) {
        if (p <= 0) {
            return false;
        }
        boolean fire;
        if (follow == null) {
            fire = random.nextDouble() < p;
        } else {
            fire = next < follow.length && follow[next++] != 0;
        }
        taken.add(fire ? 1 : 0);
        labels.add((fire ? "fault: " : "no fault: ") + what);
        return fire;
    }

    /** Every decision so far, in words, in order. */
    synchronized List<String> labels() {
        return List.copyOf(labels);
    }

    /** The decisions taken so far, as a list a run can follow. */
    synchronized int[] taken() {
        return taken.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The decisions taken so far, in words, one a line; steps that are "first option, no fault" are left out. */
    synchronized String describe() {
        return describe(labels.size());
    }

    /** The first {@code limit} decisions in words, as {@link #describe()}. */
    synchronized String describe(int limit) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(limit, labels.size()); i++) {
            String l = labels.get(i);
            if (!l.startsWith("no fault")) {
                b.append("  ").append(i).append(": ").append(l).append('\n');
            }
        }
        return b.toString();
    }
}
