package dev.omnibus.sqs;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Splits entries into batch calls sized <em>before</em> an entry is added: an entry joins the current
 * batch only if the batch then stays within {@code maxEntries} and {@code maxBytes} in all, else it
 * starts the next one; order is kept. An entry larger than {@code maxBytes} on its own goes alone (the
 * callers check single messages before). SQS's {@code SendMessageBatch} (10, 1 MiB) and SNS's
 * {@code PublishBatch} (10, 256 KiB) use it. Pure function; thread-safe.
 */
final class Batches {
    private Batches() {
    }

    static <T> List<List<T>> plan(List<T> entries, ToLongFunction<T> size, int maxEntries, long maxBytes) {
        List<List<T>> out = new ArrayList<>();
        List<T> current = new ArrayList<>();
        long bytes = 0;
        for (T e : entries) {
            long s = size.applyAsLong(e);
            if (!current.isEmpty() && (current.size() + 1 > maxEntries || bytes + s > maxBytes)) {
                out.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(e);
            bytes += s;
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }
}
