package dev.omnibus;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Immutable message headers: names to JSON-compatible values ({@link String}, {@link Number},
 * {@link Boolean}, lists and maps of those). Names are case-sensitive and keep insertion order.
 *
 * <p>Instances are immutable and thread-safe; {@link #with(String, Object)} returns a copy. Two
 * instances are equal when they hold the same entries, in any order (as two maps are).
 */
public final class Headers {
    private static final String[] NO_NAMES = new String[0];
    private static final Object[] NO_VALUES = new Object[0];
    private static final Headers EMPTY = new Headers(NO_NAMES, NO_VALUES);

    /*
     * Two arrays in insertion order rather than a map: a message carries a handful of headers, and a copy
     * (with, withAll) is two small arrays where a LinkedHashMap was a 16-slot table, a node per entry and
     * an unmodifiable wrapper. Lookups scan; names are unique. Never changed after construction.
     */
    private final String[] names;
    private final Object[] values;
    /** The unmodifiable map view, made when first asked for (a benign race: any copy is as good). */
    private Map<String, Object> view;

    private Headers(String[] names, Object[] values) {
        this.names = names;
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
        int n = values.size();
        String[] ns = new String[n];
        Object[] vs = new Object[n];
        int size = 0;
        for (Map.Entry<String, ?> e : values.entrySet()) {
            if (e.getKey() != null && e.getValue() != null) { // a map's keys are unique: no search needed
                ns[size] = e.getKey();
                vs[size] = e.getValue();
                size++;
            }
        }
        if (size == 0) {
            return EMPTY;
        }
        return size == n ? new Headers(ns, vs) : new Headers(java.util.Arrays.copyOf(ns, size), java.util.Arrays.copyOf(vs, size));
    }

    /** Headers with one entry. */
    public static Headers of(String name, Object value) {
        return EMPTY.with(name, value);
    }

    /** A copy with {@code name} set to {@code value}, or removed when {@code value} is null. */
    public Headers with(String name, Object value) {
        Objects.requireNonNull(name, "name");
        int at = indexOf(name);
        int n = names.length;
        if (value == null) {
            if (at < 0) {
                return this;
            }
            if (n == 1) {
                return EMPTY;
            }
            String[] ns = new String[n - 1];
            Object[] vs = new Object[n - 1];
            System.arraycopy(names, 0, ns, 0, at);
            System.arraycopy(values, 0, vs, 0, at);
            System.arraycopy(names, at + 1, ns, at, n - at - 1);
            System.arraycopy(values, at + 1, vs, at, n - at - 1);
            return new Headers(ns, vs);
        }
        if (at >= 0) { // replaced in place: the name keeps its position
            Object[] vs = values.clone();
            vs[at] = value;
            return new Headers(names, vs); // the names are shared: neither instance changes them
        }
        String[] ns = java.util.Arrays.copyOf(names, n + 1);
        Object[] vs = java.util.Arrays.copyOf(values, n + 1);
        ns[n] = name;
        vs[n] = value;
        return new Headers(ns, vs);
    }

    /** A copy with every entry of {@code other} added, replacing entries of the same name. */
    public Headers withAll(Headers other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        int n = names.length;
        String[] ns = java.util.Arrays.copyOf(names, n + other.names.length);
        Object[] vs = java.util.Arrays.copyOf(values, ns.length);
        int size = n;
        for (int i = 0; i < other.names.length; i++) {
            int at = indexOf(other.names[i]); // other's names are unique: only this one's can match
            if (at >= 0) {
                vs[at] = other.values[i];
            } else {
                ns[size] = other.names[i];
                vs[size] = other.values[i];
                size++;
            }
        }
        return size == ns.length ? new Headers(ns, vs)
                : new Headers(java.util.Arrays.copyOf(ns, size), java.util.Arrays.copyOf(vs, size));
    }

    private int indexOf(Object name) {
        String[] ns = names;
        for (int i = 0; i < ns.length; i++) {
            if (ns[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** The value of {@code name}, or null. */
    public Object get(String name) {
        int at = indexOf(name);
        return at < 0 ? null : values[at];
    }

    /** The value of {@code name} as text, if present. */
    public Optional<String> getString(String name) {
        Object v = get(name);
        return v == null ? Optional.empty() : Optional.of(v.toString());
    }

    public boolean contains(String name) {
        return indexOf(name) >= 0;
    }

    public Set<String> names() {
        return asMap().keySet();
    }

    public int size() {
        return names.length;
    }

    public boolean isEmpty() {
        return names.length == 0;
    }

    /** An unmodifiable view of the entries, in insertion order. */
    public Map<String, Object> asMap() {
        Map<String, Object> v = view;
        if (v == null) {
            v = Collections.unmodifiableMap(new View(names, values));
            view = v;
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof Headers h) || h.names.length != names.length) {
            return false;
        }
        for (int i = 0; i < names.length; i++) { // any order, as maps compare
            int at = h.indexOf(names[i]);
            if (at < 0 || !values[i].equals(h.values[at])) {
                return false;
            }
        }
        return true;
    }

    /** As a map's: the sum of each entry's {@code name.hashCode() ^ value.hashCode()}. */
    @Override
    public int hashCode() {
        int h = 0;
        for (int i = 0; i < names.length; i++) {
            h += names[i].hashCode() ^ values[i].hashCode();
        }
        return h;
    }

    @Override
    public String toString() {
        return "Headers" + asMap();
    }

    /** The entries as a map (wrapped unmodifiable by {@link #asMap}); lookups scan, as the headers' do. */
    private static final class View extends AbstractMap<String, Object> {
        private final String[] names;
        private final Object[] values;

        View(String[] names, Object[] values) {
            this.names = names;
            this.values = values;
        }

        @Override
        public int size() {
            return names.length;
        }

        @Override
        public Object get(Object key) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(key)) {
                    return values[i];
                }
            }
            return null;
        }

        @Override
        public boolean containsKey(Object key) {
            for (String n : names) {
                if (n.equals(key)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public Set<Map.Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public int size() {
                    return names.length;
                }

                @Override
                public Iterator<Map.Entry<String, Object>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < names.length;
                        }

                        @Override
                        public Map.Entry<String, Object> next() {
                            if (next >= names.length) {
                                throw new NoSuchElementException();
                            }
                            int i = next++;
                            return new AbstractMap.SimpleImmutableEntry<>(names[i], values[i]);
                        }
                    };
                }
            };
        }
    }
}
