package dev.omnibus.sqs;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One asynchronous lookup per key (a queue's URL, a topic's ARN), shared by every caller: concurrent
 * first callers get the same future; a failed lookup is forgotten, so the next call tries again.
 * Bounded by the keys the bus uses. Thread-safe; never blocks.
 */
final class OnceEach<K, V> {
    private final Map<K, CompletableFuture<V>> values = new ConcurrentHashMap<>();

    /** The value of {@code key}, from {@code lookup} the first time (and again after a failure). */
    CompletableFuture<V> get(K key, Function<K, CompletableFuture<V>> lookup) {
        CompletableFuture<V> f = values.get(key);
        if (f != null && !f.isCompletedExceptionally()) {
            return f;
        }
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> prior = values.putIfAbsent(key, mine);
        if (prior != null && !prior.isCompletedExceptionally()) {
            return prior;
        }
        if (prior != null) {
            values.replace(key, prior, mine);
        }
        lookup.apply(key).whenComplete((v, e) -> {
            if (e == null) {
                mine.complete(v);
            } else {
                values.remove(key, mine);
                mine.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            }
        });
        return mine;
    }

    /** Forgets {@code key}; its future, or null. */
    CompletableFuture<V> remove(K key) {
        return values.remove(key);
    }
}
