package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Headers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SendBatchesTest {
    private static SendBatches.Entry entry(int bytes) {
        return new SendBatches.Entry(SqsWireFormat.encode("a".repeat(bytes).getBytes(), Headers.empty(), "q"), 0,
                new CompletableFuture<>());
    }

    @Test
    void aBatchHoldsAtMostTenEntries() {
        List<SendBatches.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            entries.add(entry(10));
        }
        assertThat(SendBatches.plan(entries)).extracting(List::size).containsExactly(10, 10, 3);
    }

    @Test
    void anEntryThatWouldTakeTheBatchOverOneMebibyteStartsTheNext() {
        List<SendBatches.Entry> entries = List.of(entry(600_000), entry(600_000), entry(10), entry(448_576));
        // 600,000 | 600,000 + 10 + 448,576 = 1,048,586 > 1 MiB, so the last one starts a third batch
        assertThat(SendBatches.plan(entries)).extracting(List::size).containsExactly(1, 2, 1);
        assertThat(SendBatches.plan(List.of(entry(524_288), entry(524_288)))).extracting(List::size).containsExactly(2);
    }
}
