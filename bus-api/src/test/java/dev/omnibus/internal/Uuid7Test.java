package dev.omnibus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class Uuid7Test {
    @Test
    void idsAreVersion7WithTheRfcVariantAndTheCurrentTime() {
        long before = System.currentTimeMillis();
        UUID id = Uuid7.next();
        long after = System.currentTimeMillis();
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(Uuid7.timestampOf(id)).isBetween(before, after + 1);
    }

    @Test
    void idsSortInCreationOrderEvenWithinOneMillisecond() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ids.add(Uuid7.next());
        }
        for (int i = 1; i < ids.size(); i++) {
            // compare as unsigned big-endian bytes, as databases and other languages do
            assertThat(Long.compareUnsigned(ids.get(i - 1).getMostSignificantBits(), ids.get(i).getMostSignificantBits()))
                    .as("id %d after id %d", i, i - 1).isNegative();
        }
        assertThat(ids).doesNotHaveDuplicates();
    }
}
