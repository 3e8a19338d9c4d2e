package dev.omnibus.sqs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * Single sends to a standard queue share {@code SendMessageBatch} calls under load, with no wait when
 * idle: a send goes out at once while fewer than {@value #MAX_CALLS_IN_FLIGHT} calls to its queue are
 * unanswered; beyond that it waits for one to be answered and leaves with the others waiting, up to
 * ten in a call, each batch sized before an entry is added ({@link SendBatches}). So a lone send costs
 * one call and no latency, and a stream of concurrent sends (many requests, a busy consumer) costs
 * about a tenth of a call each, as a raw client writing batches of ten. With a linger
 * ({@code sendLinger}), a send that finds fewer than ten waiting and a call slot free waits up to the
 * linger for company before it leaves (the first to arrive starts the timer; ten waiting leave at once).
 * Thread-safe.
 */
final class SendCoalescer {
    /** Calls to one queue unanswered at once before sends wait to share one. */
    static final int MAX_CALLS_IN_FLIGHT = 4;

    private final SqsAsyncClient sqs;
    private final long lingerNanos;
    private final java.util.concurrent.ScheduledExecutorService timer;
    private final Map<String, Lane> lanes = new HashMap<>(); // guarded by this

    private static final class Lane {
        final String endpoint;
        final ArrayDeque<SendBatches.Entry> waiting = new ArrayDeque<>();
        int inFlight;
        boolean lingering;

        Lane(String endpoint) {
            this.endpoint = endpoint;
        }
    }

    SendCoalescer(SqsAsyncClient sqs) {
        this(sqs, java.time.Duration.ZERO, null);
    }

    SendCoalescer(SqsAsyncClient sqs, java.time.Duration linger, java.util.concurrent.ScheduledExecutorService timer) {
        this.sqs = sqs;
        this.lingerNanos = timer == null ? 0 : linger.toNanos();
        this.timer = timer;
    }

    /** Sends {@code entry} to the queue at {@code url}; its {@code done} completes when SQS answered. */
    void send(String url, String endpoint, SendBatches.Entry entry) {
        List<SendBatches.Entry> now;
        String laneEndpoint;
        synchronized (this) {
            Lane lane = lanes.computeIfAbsent(url, u -> new Lane(endpoint));
            lane.waiting.add(entry);
            if (lane.inFlight >= MAX_CALLS_IN_FLIGHT) {
                return; // leaves with the next batch, when a call is answered
            }
            if (lingerNanos > 0 && lane.waiting.size() < SendBatches.MAX_ENTRIES) {
                if (!lane.lingering) { // the first to wait starts the timer; the others leave with it
                    lane.lingering = true;
                    timer.schedule(() -> lingered(url), lingerNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
                }
                return;
            }
            now = take(lane);
            lane.inFlight++;
            laneEndpoint = lane.endpoint;
        }
        call(url, laneEndpoint, now);
    }

    /** The linger of {@code url}'s lane ran out: what waits leaves, if a call slot is free. */
    private void lingered(String url) {
        List<SendBatches.Entry> now;
        String endpoint;
        synchronized (this) {
            Lane lane = lanes.get(url);
            if (lane == null) {
                return;
            }
            lane.lingering = false;
            if (lane.waiting.isEmpty() || lane.inFlight >= MAX_CALLS_IN_FLIGHT) {
                return; // gone with a full batch, or leaves when a call is answered
            }
            now = take(lane);
            lane.inFlight++;
            endpoint = lane.endpoint;
        }
        call(url, endpoint, now);
    }

    /** Up to one batch's entries from the lane's head. Lock held. */
    private static List<SendBatches.Entry> take(Lane lane) {
        List<SendBatches.Entry> out = new ArrayList<>(Math.min(lane.waiting.size(), SendBatches.MAX_ENTRIES));
        while (!lane.waiting.isEmpty() && out.size() < SendBatches.MAX_ENTRIES) {
            out.add(lane.waiting.poll());
        }
        return out;
    }

    private void call(String url, String endpoint, List<SendBatches.Entry> entries) {
        SendBatches.send(sqs, url, endpoint, entries); // sized: more than one call if the bytes need it
        CompletableFuture<?>[] answered = entries.stream().map(SendBatches.Entry::done).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(answered).whenComplete((v, e) -> answered(url, endpoint));
    }

    private void answered(String url, String endpoint) {
        List<SendBatches.Entry> next;
        synchronized (this) {
            Lane lane = lanes.get(url);
            if (lane.waiting.isEmpty()) {
                lane.inFlight--;
                if (lane.inFlight == 0) {
                    lanes.remove(url);
                }
                return;
            }
            next = take(lane); // the answered call's slot goes to the waiting sends
        }
        call(url, endpoint, next);
    }
}
