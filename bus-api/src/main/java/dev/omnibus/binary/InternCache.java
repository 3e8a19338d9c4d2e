package dev.omnibus.binary;

import java.util.Arrays;

/**
 * Values decoded from byte ranges that repeat from message to message (addresses, message type
 * lists, the sender's host block), kept by their bytes so that the same bytes give back the same
 * immutable value without decoding it again. Direct-mapped: {@value #SIZE} slots, a new range
 * replaces whatever shared its slot, ranges over {@value #MAX_KEY} bytes are not kept; so it holds
 * at most 64 × 512 bytes of keys whatever the input. Thread-safe: slots hold immutable entries,
 * and a race only costs a decode.
 */
final class InternCache<T> {
    private static final int SIZE = 64;
    private static final int MAX_KEY = 512;

    @SuppressWarnings("unchecked")
    private final Entry<T>[] slots = (Entry<T>[]) new Entry<?>[SIZE];

    private record Entry<T>(byte[] key, T value) {
    }

    /** A hash of the length and up to 16 bytes at each end: constant cost; equality is checked in full. */
    private static int hash(byte[] buf, int from, int to) {
        int h = to - from;
        int head = Math.min(to, from + 16);
        for (int i = from; i < head; i++) {
            h = 31 * h + buf[i];
        }
        for (int i = Math.max(head, to - 16); i < to; i++) {
            h = 31 * h + buf[i];
        }
        return (h ^ (h >>> 16) ^ (h >>> 8)) & (SIZE - 1);
    }

    /** The value kept for bytes {@code from} to {@code to} of {@code buf}, or null. */
    T get(byte[] buf, int from, int to) {
        Entry<T> e = slots[hash(buf, from, to)];
        return e != null && Arrays.equals(e.key, 0, e.key.length, buf, from, to) ? e.value : null;
    }

    void put(byte[] buf, int from, int to, T value) {
        if (to - from <= MAX_KEY) {
            slots[hash(buf, from, to)] = new Entry<>(Arrays.copyOfRange(buf, from, to), value);
        }
    }
}
