package dev.omnibus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The redelivery counts kept for redeliveries in place: per message id, forgotten when done, bounded. */
class InPlaceCountsTest {
    @Test
    void countsPerMessageUntilForgotten() {
        RedeliveryFilter.InPlaceCounts counts = new RedeliveryFilter.InPlaceCounts(10);
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        assertThat(counts.get(a)).isZero();
        counts.put(a, 1);
        counts.put(a, 2);
        counts.put(b, 1);
        assertThat(counts.get(a)).isEqualTo(2);
        assertThat(counts.get(b)).isEqualTo(1);
        counts.forget(a);
        assertThat(counts.get(a)).isZero();
        assertThat(counts.get(b)).isEqualTo(1);
        assertThat(counts.get(null)).isZero(); // a message without an id is never counted
        counts.put(null, 3);
        counts.forget(null);
    }

    @Test
    void theLeastRecentlyUsedGoesPastTheBound() {
        RedeliveryFilter.InPlaceCounts counts = new RedeliveryFilter.InPlaceCounts(3);
        UUID[] ids = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};
        counts.put(ids[0], 1);
        counts.put(ids[1], 1);
        counts.put(ids[2], 1);
        assertThat(counts.get(ids[0])).isEqualTo(1); // used: ids[1] is now the eldest
        counts.put(ids[3], 1);
        assertThat(counts.get(ids[1])).as("evicted").isZero();
        assertThat(counts.get(ids[0])).isEqualTo(1);
        assertThat(counts.get(ids[2])).isEqualTo(1);
        assertThat(counts.get(ids[3])).isEqualTo(1);
    }
}
