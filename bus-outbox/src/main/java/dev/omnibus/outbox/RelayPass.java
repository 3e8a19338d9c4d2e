package dev.omnibus.outbox;

import dev.omnibus.Address;
import dev.omnibus.MessageType;
import dev.omnibus.TransportException;
import dev.omnibus.outbox.Claims.Row;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The sends of one relay pass: the claimed rows go to the transport one after the other per order
 * key, keys in parallel, and the pass ends when every key's rows are confirmed, one failed, or the
 * pass timeout ({@code sendTimeout}) passed.
 *
 * <p>Per key, a run of consecutive rows to the same destination (or of the same published type) is
 * one {@code sendAll}/{@code publishAll} call, which keeps their order; the next run starts once
 * the previous one is confirmed. Only a confirmed prefix of a key's rows counts as done: a row that
 * fails, or is not confirmed in time, stays in the table with every row after it, and they are sent
 * again, in order, by a later pass.
 *
 * <p><b>When the pass times out</b> every key's chain is stopped: no run starts after the deadline,
 * whatever its transport call does later (a hung send that completes a minute later does not set off
 * the rest of its key behind the next pass's back, which sent those rows again, in between: a
 * duplicate and a reordering). What each key had confirmed by the deadline counts as done.
 *
 * <p>Threads: {@link #send} runs on the dispatcher's thread; the transport completes the futures on
 * its own threads, which start the next run of a key. One instance per pass.
 */
final class RelayPass {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RelayPass.class);

    private final Transport transport;
    private volatile boolean stopped;

    RelayPass(Transport transport) {
        this.transport = transport;
    }

    /**
     * Sends {@code rows} and adds the seq of each row that counts as done to {@code done}. Returns the
     * first failure (a refused send, or the timeout), or null when every row was confirmed.
     */
    Exception send(List<Row> rows, List<Long> done, Duration timeout) throws InterruptedException {
        Map<String, List<Row>> byKey = new LinkedHashMap<>();
        for (Row r : rows) {
            byKey.computeIfAbsent(r.orderKey(), k -> new ArrayList<>()).add(r);
        }
        List<Chain> chains = new ArrayList<>(byKey.size());
        for (List<Row> keyRows : byKey.values()) {
            Chain chain = new Chain(keyRows);
            chains.add(chain);
            chain.next();
        }
        Exception first = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (Chain chain : chains) {
                try {
                    chain.finished.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof Exception ex ? ex : e;
                    }
                } catch (TimeoutException e) {
                    if (first == null) {
                        first = new TransportException("the transport did not confirm within the pass timeout ("
                                + timeout + "); the unconfirmed rows and those after them in their key are sent again", e, true);
                    }
                }
            }
        } finally {
            stopped = true; // no run of any key starts from now on (timed out, or interrupted)
        }
        for (Chain chain : chains) {
            done.addAll(chain.confirmed());
        }
        return first;
    }

    /** One order key's rows, sent run after run; {@code confirmed} is always a prefix of them. */
    private final class Chain {
        final List<Row> rows;
        final CompletableFuture<Void> finished = new CompletableFuture<>();
        private final List<Long> confirmed = new ArrayList<>(); // guarded by this
        private int next; // guarded by this

        Chain(List<Row> rows) {
            this.rows = rows;
        }

        synchronized List<Long> confirmed() {
            return List.copyOf(confirmed);
        }

        /** Sends the next run, unless the pass stopped or every row is confirmed. */
        void next() {
            List<Row> run;
            synchronized (this) {
                if (next == rows.size()) {
                    finished.complete(null);
                    return;
                }
                if (stopped) {
                    finished.completeExceptionally(new TransportException("the relay pass ended before these rows were sent",
                            null, true));
                    return;
                }
                int end = next + 1;
                while (end < rows.size() && sameTarget(rows.get(next), rows.get(end))) {
                    end++;
                }
                run = rows.subList(next, end);
            }
            List<CompletableFuture<Void>> sent;
            try {
                sent = sendRun(run);
            } catch (RuntimeException e) {
                sent = List.of(CompletableFuture.failedFuture(e));
            }
            List<CompletableFuture<Void>> futures = sent;
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).whenComplete((ok, ignored) -> settled(run, futures));
        }

        private void settled(List<Row> run, List<CompletableFuture<Void>> futures) {
            synchronized (this) {
                if (stopped) {
                    // the pass is over and took its snapshot of what was confirmed: this run is sent again later
                    finished.completeExceptionally(new TransportException("confirmed after the relay pass ended", null, true));
                    return;
                }
                for (int k = 0; k < futures.size(); k++) {
                    CompletableFuture<Void> f = futures.get(k);
                    if (f.isCompletedExceptionally() && !undeliverableReply(run.get(k), failure(f))) {
                        finished.completeExceptionally(failure(f));
                        return;
                    }
                    confirmed.add(run.get(k).seq());
                }
                if (futures.size() != run.size()) {
                    finished.completeExceptionally(new TransportException("the transport returned " + futures.size()
                            + " futures for " + run.size() + " messages", null, false));
                    return;
                }
                next += run.size();
            }
            next();
        }
    }

    private static boolean sameTarget(Row a, Row b) {
        if (a.reply() || b.reply()) {
            return false; // a reply goes alone, through Transport.reply
        }
        return a.destination() != null ? a.destination().equals(b.destination())
                : b.destination() == null && a.messageTypes().equals(b.messageTypes());
    }

    /** One run of rows with the same target, in one transport call; one future per row, in order. */
    private List<CompletableFuture<Void>> sendRun(List<Row> run) {
        Row first = run.get(0);
        if (first.reply()) { // a response or fault to an address from a consumed message (OutboxRows.reply)
            return List.of(transport.reply(Address.parse(first.destination()), first.message()));
        }
        if (run.size() == 1) {
            return List.of(first.destination() != null
                    ? transport.send(Address.parse(first.destination()), first.message())
                    : transport.publish(type(first.messageTypes()), first.message()));
        }
        List<OutgoingMessage> messages = new ArrayList<>(run.size());
        for (Row r : run) {
            messages.add(r.message());
        }
        return first.destination() != null
                ? transport.sendAll(Address.parse(first.destination()), messages)
                : transport.publishAll(type(first.messageTypes()), messages);
    }

    /**
     * A reply the transport refused for good (its address names nothing on the broker; replies never
     * create what they name): it can never be delivered, so it counts as done and is logged, instead of
     * blocking its key's later rows for ever, as the direct path drops an unroutable reply.
     */
    private static boolean undeliverableReply(Row row, Throwable failure) {
        if (!row.reply() || !(failure instanceof dev.omnibus.BusException b) || b.isRetryable()) {
            return false;
        }
        LOG.error("Outbox: the response or fault {} to {} cannot be delivered and is dropped: {}", row.messageId(),
                row.destination(), failure.getMessage());
        return true;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.join();
            return new IllegalStateException("not failed");
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        }
    }

    private static MessageType type(String messageTypes) {
        List<String> urns = Arrays.asList(messageTypes.split("\n"));
        return new MessageType(urns.get(0), Object.class, Object.class, urns);
    }
}
