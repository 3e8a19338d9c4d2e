package dev.omnibus.sqs;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Keeps the order of sends to one message group of a FIFO queue: a send starts only when SQS has
 * answered the previous send of each of its groups (succeeded or failed), so two sends a producer
 * made one after the other, without waiting, reach SQS in that order (SQS orders a group by the
 * order it accepted the messages). Sends to different groups do not wait for each other.
 *
 * <p>Memory: one entry per (queue, group) with a send unanswered; an entry is removed when its last
 * send is answered. Thread-safe; never blocks.
 */
final class FifoSequencer {
    private final Map<String, CompletableFuture<Void>> last = new ConcurrentHashMap<>();

    /**
     * Runs {@code send} once the earlier sends to {@code groups} of {@code endpoint} are answered;
     * returns its result.
     */
    synchronized <T> CompletableFuture<T> after(String endpoint, Collection<String> groups,
            Supplier<CompletableFuture<T>> send) {
        Set<String> keys = new LinkedHashSet<>();
        for (String g : groups) {
            keys.add(endpoint + '\n' + g);
        }
        CompletableFuture<?>[] before = keys.stream().map(last::get).filter(f -> f != null)
                .toArray(CompletableFuture[]::new);
        CompletableFuture<T> result = CompletableFuture.allOf(before).handle((v, e) -> null)
                .thenCompose(v -> send.get());
        CompletableFuture<Void> done = result.handle((v, e) -> null);
        for (String k : keys) {
            last.put(k, done);
        }
        done.thenRun(() -> {
            for (String k : keys) {
                last.remove(k, done);
            }
        });
        return result;
    }

    /** How many groups have a send unanswered. */
    int pending() {
        return last.size();
    }
}
