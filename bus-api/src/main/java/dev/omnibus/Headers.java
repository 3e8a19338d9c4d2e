package dev.omnibus;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Immutable message headers: names to JSON-compatible values ({@link String}, {@link Number},
 * {@link Boolean}, lists and maps of those). Names are case-sensitive and keep insertion order.
 *
 * <p>Instances are immutable and thread-safe; {@link #with(String, Object)} returns a copy.
 */
public final class Headers {
    private static final Headers EMPTY = new Headers(Map.of());

    private final Map<String, Object> values;

    private Headers(Map<String, Object> values) {
        this.values = values;
    }

    /** No headers. */
    public static Headers empty() {
        return EMPTY;
    }

    /** Headers holding a copy of {@code values}; null values are dropped. */
    public static Headers of(Map<String, ?> values) {
        if (values == null || values.isEmpty()) {
            return EMPTY;
        }
        Map<String, Object> copy = new LinkedHashMap<>(values.size() * 2);
        values.forEach((k, v) -> {
            if (k != null && v != null) {
                copy.put(k, v);
            }
        });
        return copy.isEmpty() ? EMPTY : new Headers(Collections.unmodifiableMap(copy));
    }

    /** Headers with one entry. */
    public static Headers of(String name, Object value) {
        return EMPTY.with(name, value);
    }

    /** A copy with {@code name} set to {@code value}, or removed when {@code value} is null. */
    public Headers with(String name, Object value) {
        Objects.requireNonNull(name, "name");
        Map<String, Object> copy = new LinkedHashMap<>(values);
        if (value == null) {
            copy.remove(name);
        } else {
            copy.put(name, value);
        }
        return copy.isEmpty() ? EMPTY : new Headers(Collections.unmodifiableMap(copy));
    }

    /** A copy with every entry of {@code other} added, replacing entries of the same name. */
    public Headers withAll(Headers other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.putAll(other.values);
        return new Headers(Collections.unmodifiableMap(copy));
    }

    /** The value of {@code name}, or null. */
    public Object get(String name) {
        return values.get(name);
    }

    /** The value of {@code name} as text, if present. */
    public Optional<String> getString(String name) {
        Object v = values.get(name);
        return v == null ? Optional.empty() : Optional.of(v.toString());
    }

    public boolean contains(String name) {
        return values.containsKey(name);
    }

    public Set<String> names() {
        return values.keySet();
    }

    public int size() {
        return values.size();
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** An unmodifiable view of the entries. */
    public Map<String, Object> asMap() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Headers h && h.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "Headers" + values;
    }
}
