package dev.omnibus.saga.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OrderSpaceTest {
    private static final int[][] FREE3 = {{}, {}, {}};

    /** Every order, as strings of kind letters. */
    static List<String> all(OrderSpace space) {
        List<String> out = new ArrayList<>();
        space.forEach(o -> out.add(word(o)));
        return out;
    }

    static String word(int[] order) {
        StringBuilder b = new StringBuilder();
        for (int k : order) {
            b.append((char) ('A' + k));
        }
        return b.toString();
    }

    @Test
    void countsMatchBruteForceEnumerationOfMultisetPermutations() {
        // figures from enumerating every permutation of every allowed multiset (a Python one-off)
        assertThat(new OrderSpace(new int[] {1, 1, 1}, new int[] {1, 1, 1}, FREE3).count()).isEqualTo(BigInteger.valueOf(6));
        assertThat(new OrderSpace(new int[] {1, 1, 1}, new int[] {2, 2, 2}, FREE3).count()).isEqualTo(BigInteger.valueOf(222));
        assertThat(new OrderSpace(new int[] {1, 1, 1, 0}, new int[] {2, 2, 2, 1}, new int[][] {{}, {}, {}, {}}).count())
                .isEqualTo(BigInteger.valueOf(1596));
        assertThat(new OrderSpace(new int[] {1, 1, 1, 0}, new int[] {2, 2, 2, 1}, new int[][] {{}, {0}, {0}, {0}}).count())
                .isEqualTo(BigInteger.valueOf(458));
    }

    @Test
    void enumerationYieldsEachOrderOnceRespectingBoundsAndPrecedence() {
        OrderSpace space = new OrderSpace(new int[] {1, 1, 0}, new int[] {2, 2, 1}, new int[][] {{}, {0}, {}});
        List<String> orders = all(space);

        assertThat(orders).hasSize(space.count().intValueExact()).doesNotHaveDuplicates();
        assertThat(orders).allSatisfy(o -> {
            assertThat(o.chars().filter(c -> c == 'A').count()).isBetween(1L, 2L);
            assertThat(o.chars().filter(c -> c == 'B').count()).isBetween(1L, 2L);
            assertThat(o.chars().filter(c -> c == 'C').count()).isBetween(0L, 1L);
            assertThat(o.indexOf('A')).isLessThan(o.indexOf('B'));
        });
        assertThat(orders).startsWith("AAB", "AABB", "AABBC").contains("AB", "CAB", "ABBA").doesNotContain("BA", "A", "");
    }

    @Test
    void sampleIsDistinctReproducibleAndCoversASmallSpaceWhole() {
        OrderSpace space = new OrderSpace(new int[] {1, 1, 1}, new int[] {2, 2, 2}, FREE3);

        List<String> first = space.sample(50, 3).stream().map(OrderSpaceTest::word).toList();
        List<String> again = space.sample(50, 3).stream().map(OrderSpaceTest::word).toList();
        List<String> other = space.sample(50, 4).stream().map(OrderSpaceTest::word).toList();

        assertThat(first).hasSize(50).doesNotHaveDuplicates().isEqualTo(again).isNotEqualTo(other);
        Set<String> everything = new HashSet<>(all(space));
        assertThat(everything).containsAll(first);
        assertThat(new HashSet<>(space.sample(222, 1).stream().map(OrderSpaceTest::word).toList())).isEqualTo(everything);
    }

    @Test
    void eachOrderIsDrawnEquallyOften() {
        // A B, A A B, A B A, A B B, A A B B, A B A B, A B B A: seven orders of different lengths
        OrderSpace space = new OrderSpace(new int[] {1, 1}, new int[] {2, 2}, new int[][] {{}, {0}});
        Map<String, Integer> seen = new HashMap<>();
        for (long seed = 0; seed < 7_000; seed++) {
            seen.merge(word(space.sample(1, seed).get(0)), 1, Integer::sum);
        }
        // 1,000 expected each; the standard deviation is about 29, so 850..1150 is over five of them
        assertThat(seen).hasSize(7);
        assertThat(seen.values()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
        assertThat(Arrays.asList(seen.keySet().toArray())).contains("AB", "AABB", "ABBA");
    }
}
