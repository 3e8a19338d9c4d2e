package dev.omnibus.testing.conformance;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/** What consumers saw, per endpoint. Thread-safe. */
final class Seen<T> {
    private final Map<String, Queue<T>> byEndpoint = new ConcurrentHashMap<>();

    void add(String endpoint, T value) {
        byEndpoint.computeIfAbsent(endpoint, k -> new ConcurrentLinkedQueue<>()).add(value);
    }

    List<T> at(String endpoint) {
        Queue<T> q = byEndpoint.get(endpoint);
        return q == null ? List.of() : List.copyOf(q);
    }
}
