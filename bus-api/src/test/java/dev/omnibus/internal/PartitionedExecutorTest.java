package dev.omnibus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PartitionedExecutorTest {
    @Test
    void tasksOfOneKeyRunInOrderWhileKeysRunInParallel() throws Exception {
        PartitionedExecutor ex = new PartitionedExecutor("t", 4);
        Map<Integer, List<Integer>> seen = new ConcurrentHashMap<>();
        int keys = 10;
        int perKey = 300;
        CountDownLatch done = new CountDownLatch(keys * perKey);
        for (int i = 0; i < perKey; i++) {
            for (int k = 0; k < keys; k++) {
                int key = k;
                int seq = i;
                ex.execute(key, () -> {
                    seen.computeIfAbsent(key, x -> Collections.synchronizedList(new ArrayList<>())).add(seq);
                    done.countDown();
                });
            }
        }
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        for (int k = 0; k < keys; k++) {
            List<Integer> s = seen.get(k);
            assertThat(s).hasSize(perKey);
            assertThat(s).isSorted();
        }
        ex.shutdownNow();
    }

    @Test
    void aBlockedKeyDoesNotBlockOtherKeys() throws Exception {
        PartitionedExecutor ex = new PartitionedExecutor("t", 2);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch other = new CountDownLatch(1);
        ex.execute("slow", () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ex.execute("slow", () -> { });
        ex.execute("fast", other::countDown);
        assertThat(other.await(10, TimeUnit.SECONDS)).isTrue();
        release.countDown();
        ex.shutdownNow();
    }
}
