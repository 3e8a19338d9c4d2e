package dev.omnibus.sqs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The group gate of a FIFO endpoint's receive loop: at most one message of a message group is
 * handed to the bus at a time, whatever the endpoint's concurrency and however many messages of
 * the group one receive returned. The others wait here, unsettled (their leases kept by the
 * heartbeat, their prefetch slots held), in SQS's order.
 *
 * <ul>
 *   <li>When the message out is acknowledged or dead-lettered, the next of its group goes out.</li>
 *   <li>When it is requeued (visibility 0, or a visibility delay), the group's waiting messages are
 *       returned to SQS too, not handed out: SQS then delivers the group again from the requeued
 *       message on, in order. So a failure that sends a message back never lets a later message of
 *       its group overtake it.</li>
 * </ul>
 *
 * Memory: one entry per group with a message here; at most the prefetch in all. Thread-safe (one
 * lock, held only for map and deque operations).
 */
final class FifoGroups {
    private static final class Group {
        SqsDelivery out;
        final ArrayDeque<SqsDelivery> waiting = new ArrayDeque<>();
    }

    /** What a settlement frees: the next delivery to hand out, or the group's waiting ones to return. */
    record After(SqsDelivery next, List<SqsDelivery> returned) {
        static final After NOTHING = new After(null, List.of());
    }

    private final Map<String, Group> groups = new HashMap<>();

    /** The deliveries of {@code batch} that may go out now, in order; the rest wait behind their group. */
    synchronized List<SqsDelivery> admit(List<SqsDelivery> batch) {
        List<SqsDelivery> out = new ArrayList<>(batch.size());
        for (SqsDelivery d : batch) {
            Group g = groups.computeIfAbsent(d.groupId(), k -> new Group());
            if (g.out == null) {
                g.out = d;
                out.add(d);
            } else {
                g.waiting.addLast(d);
            }
        }
        return out;
    }

    /** {@code d} was settled ({@code requeued}: sent back to the queue); what that frees. */
    synchronized After settled(SqsDelivery d, boolean requeued) {
        Group g = groups.get(d.groupId());
        if (g == null) {
            return After.NOTHING;
        }
        if (g.out != d) {
            g.waiting.remove(d); // a waiting one settled: returned at a stop or with its group
            if (g.out == null && g.waiting.isEmpty()) {
                groups.remove(d.groupId());
            }
            return After.NOTHING;
        }
        if (requeued) {
            List<SqsDelivery> back = new ArrayList<>(g.waiting);
            groups.remove(d.groupId());
            return new After(null, back);
        }
        SqsDelivery next = g.waiting.pollFirst();
        g.out = next;
        if (next == null) {
            groups.remove(d.groupId());
            return After.NOTHING;
        }
        return new After(next, List.of());
    }

    /** How many groups have a message here (for tests and logs). */
    synchronized int groupCount() {
        return groups.size();
    }
}
