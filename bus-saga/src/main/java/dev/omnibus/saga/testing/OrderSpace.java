package dev.omnibus.saga.testing;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The orders {@link SagaExplorer} explores: every non-empty sequence of steps in which step kind
 * {@code k} occurs between {@code min[k]} and {@code max[k]} times and never before each kind it
 * must follow has occurred once. Copies of one kind are interchangeable, so a sequence is counted
 * once however its copies are numbered.
 *
 * <p>Counted exactly by dynamic programming over how many of each kind a prefix used (at most
 * {@code prod(max[k] + 1)} states; bounded by {@link #MAX_STATES}); enumerated depth first, or
 * sampled uniformly at random from the counts. Not thread-safe (memoizes); pure logic.
 */
final class OrderSpace {
    /** The most prefix states the count may visit. */
    static final long MAX_STATES = 2_000_000;

    private final int[] min;
    private final int[] max;
    private final int[][] after;
    private final long[] radix;
    private final Map<Long, BigInteger> memo = new HashMap<>();

    /**
     * @param min   for each kind, how many times it must occur
     * @param max   for each kind, how many times it may occur
     * @param after for each kind, the kinds that must have occurred before its first occurrence
     */
    OrderSpace(int[] min, int[] max, int[][] after) {
        this.min = min.clone();
        this.max = max.clone();
        this.after = after.clone();
        this.radix = new long[max.length];
        long r = 1;
        for (int k = 0; k < max.length; k++) {
            if (min[k] < 0 || max[k] < min[k]) {
                throw new IllegalArgumentException("kind " + k + ": min " + min[k] + ", max " + max[k]);
            }
            radix[k] = r;
            if (r > MAX_STATES / (max[k] + 1)) {
                throw new IllegalArgumentException("more than " + MAX_STATES + " prefix states: too many steps to explore");
            }
            r *= max[k] + 1;
        }
    }

    /** How many orders there are. */
    BigInteger count() {
        return count(new int[max.length]);
    }

    /**
     * Calls {@code visit} with each order (kind indices), prefixes before their extensions, until it
     * returns false.
     */
    void forEach(Predicate<int[]> visit) {
        walk(new int[max.length], new ArrayList<>(), visit);
    }

    /** Up to {@code n} distinct orders drawn uniformly at random from {@code seed}, in the order drawn. */
    List<int[]> sample(int n, long seed) {
        BigInteger total = count();
        Random random = new Random(seed);
        Set<List<Integer>> seen = new LinkedHashSet<>();
        long attempts = 0;
        long maxAttempts = 50L * n;
        while (seen.size() < n && BigInteger.valueOf(seen.size()).compareTo(total) < 0 && attempts++ < maxAttempts) {
            seen.add(draw(total, random));
        }
        List<int[]> out = new ArrayList<>(seen.size());
        for (List<Integer> order : seen) {
            out.add(order.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    private List<Integer> draw(BigInteger total, Random random) {
        int[] used = new int[max.length];
        List<Integer> order = new ArrayList<>();
        BigInteger r = below(total, random);
        while (true) {
            if (accepting(used, order.size())) {
                if (r.signum() == 0) {
                    return order;
                }
                r = r.subtract(BigInteger.ONE);
            }
            boolean moved = false;
            for (int k = 0; k < max.length; k++) {
                if (!allowed(used, k)) {
                    continue;
                }
                used[k]++;
                BigInteger c = count(used);
                if (r.compareTo(c) < 0) {
                    order.add(k);
                    moved = true;
                    break;
                }
                used[k]--;
                r = r.subtract(c);
            }
            if (!moved) {
                throw new IllegalStateException("sampling walked off the counted orders");
            }
        }
    }

    private static BigInteger below(BigInteger bound, Random random) {
        BigInteger r;
        do {
            r = new BigInteger(bound.bitLength(), random);
        } while (r.compareTo(bound) >= 0);
        return r;
    }

    private boolean walk(int[] used, List<Integer> path, Predicate<int[]> visit) {
        if (accepting(used, path.size()) && !visit.test(path.stream().mapToInt(Integer::intValue).toArray())) {
            return false;
        }
        for (int k = 0; k < max.length; k++) {
            if (allowed(used, k)) {
                used[k]++;
                path.add(k);
                boolean go = walk(used, path, visit);
                path.remove(path.size() - 1);
                used[k]--;
                if (!go) {
                    return false;
                }
            }
        }
        return true;
    }

    private BigInteger count(int[] used) {
        long key = key(used);
        BigInteger known = memo.get(key);
        if (known != null) {
            return known;
        }
        int length = 0;
        for (int u : used) {
            length += u;
        }
        BigInteger c = accepting(used, length) ? BigInteger.ONE : BigInteger.ZERO;
        for (int k = 0; k < max.length; k++) {
            if (allowed(used, k)) {
                used[k]++;
                c = c.add(count(used));
                used[k]--;
            }
        }
        memo.put(key, c);
        return c;
    }

    private boolean allowed(int[] used, int k) {
        if (used[k] >= max[k]) {
            return false;
        }
        for (int before : after[k]) {
            if (used[before] == 0) {
                return false;
            }
        }
        return true;
    }

    private boolean accepting(int[] used, int length) {
        if (length == 0) {
            return false;
        }
        for (int k = 0; k < used.length; k++) {
            if (used[k] < min[k]) {
                return false;
            }
        }
        return true;
    }

    private long key(int[] used) {
        long key = 0;
        for (int k = 0; k < used.length; k++) {
            key += used[k] * radix[k];
        }
        return key;
    }
}
