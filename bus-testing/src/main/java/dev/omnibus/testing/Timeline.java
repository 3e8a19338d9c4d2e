package dev.omnibus.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Renders harness events as a conversation tree: each message under the message whose consumer
 * produced it (its cause, as the bus reported it to {@code BusObserver.produced}), with what
 * happened to it beneath. Messages are named by number
 * (#1, #2, …) and times are virtual, so the same run renders the same text.
 */
final class Timeline {
    private Timeline() {
    }

    static String render(List<HarnessEvent> events, Map<UUID, UUID> causes) {
        Map<Integer, List<HarnessEvent>> byMessage = new LinkedHashMap<>();
        Map<Integer, Integer> parent = new LinkedHashMap<>();
        Map<UUID, Integer> numberById = new LinkedHashMap<>();
        for (HarnessEvent e : events) {
            byMessage.computeIfAbsent(e.number(), n -> new ArrayList<>()).add(e);
            if (e.envelope() != null && e.envelope().messageId() != null) {
                numberById.putIfAbsent(e.envelope().messageId(), e.number());
            }
        }
        for (HarnessEvent e : events) {
            UUID cause = e.envelope() == null || e.envelope().messageId() == null ? null : causes.get(e.envelope().messageId());
            if (cause != null && !parent.containsKey(e.number())) {
                Integer p = numberById.get(cause);
                if (p != null && p != e.number()) {
                    parent.put(e.number(), p);
                }
            }
        }
        StringBuilder out = new StringBuilder("Timeline (virtual time since the harness started):\n");
        if (events.isEmpty()) {
            return out.append("  (nothing happened)\n").toString();
        }
        for (Integer n : byMessage.keySet()) {
            if (!parent.containsKey(n)) {
                render(n, byMessage, parent, 1, out);
            }
        }
        return out.toString();
    }

    private static void render(int n, Map<Integer, List<HarnessEvent>> byMessage, Map<Integer, Integer> parent, int depth,
            StringBuilder out) {
        String indent = "  ".repeat(depth);
        for (HarnessEvent e : byMessage.getOrDefault(n, List.of())) {
            out.append(indent).append(e.describe()).append('\n');
        }
        for (Map.Entry<Integer, Integer> child : parent.entrySet()) {
            if (child.getValue() == n) {
                render(child.getKey(), byMessage, parent, depth + 1, out);
            }
        }
    }
}
