package dev.omnibus.saga.internal;

import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serializes the handling of one saga instance within a process: a fixed array of locks striped by
 * the instance id. Two instances may share a stripe (and wait for each other briefly); one instance
 * never runs twice at once. Across processes, optimistic concurrency in the repository takes over.
 */
final class TurnLocks {
    private final ReentrantLock[] locks;

    TurnLocks(int stripes) {
        locks = new ReentrantLock[stripes];
        for (int i = 0; i < stripes; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    ReentrantLock of(UUID id) {
        int h = id.hashCode();
        h ^= h >>> 16;
        return locks[Math.floorMod(h, locks.length)];
    }
}
