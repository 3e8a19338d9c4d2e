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

    @Test
    void withOneThreadTasksRunInSubmissionOrderAcrossKeys() throws Exception {
        PartitionedExecutor ex = new PartitionedExecutor("t", 1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(6);
        ex.execute("gate", () -> { // holds the only thread while the rest is submitted
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (String task : List.of("A1", "B1", "A2", "C1", "B2", "A3")) {
            ex.execute(task.substring(0, 1), () -> {
                ran.add(task);
                done.countDown();
            });
        }
        release.countDown();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly("A1", "B1", "A2", "C1", "B2", "A3");
        ex.shutdownNow();
    }
}
