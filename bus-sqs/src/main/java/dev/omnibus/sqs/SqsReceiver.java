package dev.omnibus.sqs;

import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.ReceiveHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * The receive loop of one endpoint: continuous long polling, no batch barrier.
 *
 * <h2>Flow</h2>
 * A receive asks for {@code min(10, free room)} messages, where the room is the prefetch less the
 * deliveries handed over and not settled and the messages already asked for, and starts only when
 * the room holds at least 10 (or half the prefetch, when that is less; any room on a FIFO queue, where
 * a busy group's waiting messages hold slots), so a settlement freeing one slot does not cost a
 * receive call of one message; up to
 * {@code maxConcurrentReceives} receives are in flight at once. Whenever a receive returns or a
 * delivery settles, the next receive starts if there is room, so one slow message holds one slot of
 * the prefetch, never the nine received with it.
 *
 * <h2>Leases</h2>
 * Every unsettled delivery's visibility is extended by the visibility timeout every half of it
 * (batched {@code ChangeMessageVisibilityBatch}), until it settles or {@code maxLeaseExtension} after
 * its receipt.
 *
 * <h2>Threads and stopping</h2>
 * No thread of its own: receives complete on the SDK's response threads, which hand deliveries to
 * the handler; the heartbeat and batch flushes run on the transport's timer. {@link #stopDeliveries()}
 * stops new receives; messages a receive still in flight returns afterwards are made visible again
 * at once. {@link #close()} waits for the receives in flight (up to {@code waitTimeSeconds}: a receive
 * abandoned client-side stays open on the server and may take a message that then stays invisible
 * for a visibility timeout), then makes every unsettled delivery visible again (waiting up to 10 s
 * for SQS to confirm). Thread-safe.
 */
final class SqsReceiver implements ReceiveHandle {
    private static final Logger LOG = LoggerFactory.getLogger(SqsReceiver.class);
    private static final long RETRY_MILLIS = 1000;
    /** Header of a natively delayed message with a fraction of a second left after its DelaySeconds: when it is due. */
    static final String DUE_HEADER = "Omnibus-Due";

    private final SqsTransport transport;
    private final SqsAsyncClient sqs;
    private final SqsSettings settings;
    private final String queue;
    private final String url;
    private final int prefetch;
    private final DeliveryHandler handler;
    /** Whether receives fail (reported to the handler once, and once when they work again). */
    private final java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean();
    /** Whether this loop told the handler it is over (its queue was deleted). */
    private final java.util.concurrent.atomic.AtomicBoolean stopReported = new java.util.concurrent.atomic.AtomicBoolean();
    private final ScheduledExecutorService timer;
    private final SettleBatcher batcher;
    private final Set<SqsDelivery> unsettled = ConcurrentHashMap.newKeySet();
    private final Set<CompletableFuture<ReceiveMessageResponse>> polls = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private int outstanding;
    private int requested;
    private int inFlight;
    private volatile boolean stopped;
    private volatile boolean closed;
    private ScheduledFuture<?> heartbeat;
    /** The group gate of a FIFO queue ({@link FifoGroups}), else null. */
    private final FifoGroups groups;
    /** The fewest messages a receive asks for: 10, or half the prefetch when that is smaller (at least 1); 1 on FIFO. */
    private final int minBatch;

    SqsReceiver(SqsTransport transport, SqsAsyncClient sqs, SqsSettings settings, String queue, String url, int prefetch,
            DeliveryHandler handler, ScheduledExecutorService timer, boolean fifo) {
        this.groups = fifo ? new FifoGroups() : null;
        // on a FIFO queue, waiting messages of a busy group hold prefetch slots: ask for any room, so
        // other groups keep getting in
        this.minBatch = fifo ? 1 : Math.min(SettleBatcher.MAX_BATCH, Math.max(1, prefetch / 2));
        this.transport = transport;
        this.sqs = sqs;
        this.settings = settings;
        this.queue = queue;
        this.url = url;
        this.prefetch = prefetch;
        this.handler = handler;
        this.timer = timer;
        this.batcher = new SettleBatcher(sqs, url, timer, settings.flushInterval().toNanos(), this::moreComing);
    }

    void start() {
        long half = Math.max(1000, settings.visibilityTimeout().toMillis() / 2);
        if (!settings.maxLeaseExtension().isZero()) {
            heartbeat = timer.scheduleAtFixedRate(this::extendLeases, half, half, TimeUnit.MILLISECONDS);
        }
        pump();
    }

    String queue() {
        return queue;
    }

    SqsTransport transport() {
        return transport;
    }

    SettleBatcher batcher() {
        return batcher;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * A delivery claimed its settlement ({@code requeued}: it goes back to the queue): its room is free
     * again. On a FIFO queue the next message of its group goes out, or, after a requeue, the group's
     * waiting messages go back to SQS too ({@link FifoGroups}).
     */
    void settled(SqsDelivery d, boolean requeued) {
        unsettled.remove(d);
        synchronized (lock) {
            outstanding--;
        }
        if (groups != null) {
            FifoGroups.After after = groups.settled(d, requeued);
            for (SqsDelivery back : after.returned()) {
                if (back.claim()) {
                    batcher.changeVisibility(back.receipt(), 0);
                }
            }
            if (after.next() != null && !stopped) {
                dispatch(List.of(after.next()));
            }
        }
        pump();
    }

    private void pump() {
        while (true) {
            int n;
            synchronized (lock) {
                if (stopped || inFlight >= settings.maxConcurrentReceives()) {
                    return;
                }
                int free = prefetch - outstanding - requested;
                if (free < minBatch) { // wait for room for a fuller receive: fewer calls per message
                    return;
                }
                n = Math.min(SettleBatcher.MAX_BATCH, free);
                requested += n;
                inFlight++;
            }
            poll(n);
        }
    }

    private void poll(int n) {
        CompletableFuture<ReceiveMessageResponse> f;
        try {
            f = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(n).waitTimeSeconds(settings.waitTimeSeconds())
                    .messageAttributeNames("All")
                    .messageSystemAttributeNames(groups == null ? List.of(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)
                            : List.of(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                                    MessageSystemAttributeName.MESSAGE_GROUP_ID)));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        polls.add(f);
        CompletableFuture<ReceiveMessageResponse> mine = f;
        f.whenComplete((r, e) -> {
            polls.remove(mine);
            received(n, r, e);
        });
    }

    private void received(int asked, ReceiveMessageResponse response, Throwable error) {
        List<Message> messages = response == null ? List.of() : response.messages();
        boolean handOver;
        synchronized (lock) {
            requested -= asked;
            inFlight--;
            handOver = !stopped;
            if (handOver) {
                outstanding += messages.size();
            }
        }
        if (!handOver) {
            for (Message m : messages) {
                batcher.changeVisibility(m.receiptHandle(), 0);
            }
            return;
        }
        if (error != null) {
            Throwable cause = Queues.cause(error);
            if (!closed && cause instanceof software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException) {
                // the queue was deleted under the loop: it is over; the bus declares the endpoint again
                if (stopReported.compareAndSet(false, true)) {
                    LOG.warn("SQS queue {} (endpoint {}) no longer exists; the endpoint subscribes again", url, queue);
                    handler.onReceiveStopped(new dev.omnibus.TransportException("SQS queue of endpoint " + queue
                            + " no longer exists: " + cause.getMessage(), cause, true));
                }
                return;
            }
            if (!closed) {
                if (failing.compareAndSet(false, true)) {
                    handler.onReceiveInterrupted(cause); // the endpoint's health says recovering until a receive works
                }
                LOG.warn("Receiving from SQS queue {} (endpoint {}) failed; trying again in {} ms: {}", url, queue,
                        RETRY_MILLIS, cause.toString());
                synchronized (lock) {
                    requested += asked; // hold the slot until the retry
                    inFlight++;
                }
                try {
                    timer.schedule(() -> {
                        synchronized (lock) {
                            requested -= asked;
                            inFlight--;
                        }
                        pump();
                    }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException ignored) {
                    // the transport is closing
                }
            }
            return;
        }
        if (failing.compareAndSet(true, false)) {
            handler.onReceiveResumed();
        }
        if (!messages.isEmpty()) {
            List<SqsDelivery> all = new ArrayList<>(messages.size());
            for (Message m : messages) {
                SqsDelivery d = toDelivery(m);
                unsettled.add(d);
                all.add(d);
            }
            dispatch(groups == null ? all : groups.admit(all));
        }
        pump();
    }

    /** Hands deliveries to the handler: at once, or when due (a natively delayed one with a fraction of a second left). */
    private void dispatch(List<SqsDelivery> ready) {
        List<Delivery> out = new ArrayList<>(ready.size());
        for (SqsDelivery d : ready) {
            long wait = holdMillis(d);
            if (wait > 0) {
                hold(d, wait);
            } else {
                out.add(d);
            }
        }
        if (out.isEmpty()) {
            return;
        }
        try {
            handler.onDeliveries(out);
        } catch (RuntimeException e) {
            LOG.error("The delivery handler of endpoint {} failed; its {} deliveries go back to the queue", queue,
                    out.size(), e);
            out.forEach(d -> d.requeue());
        }
    }

    /** Whether more settlements may come soon: deliveries unsettled, or receives in flight that may bring some. */
    private boolean moreComing() {
        if (!unsettled.isEmpty()) {
            return true;
        }
        synchronized (lock) {
            return inFlight > 0 && !stopped;
        }
    }

    /** How long a natively delayed message is still to wait (the fraction of a second DelaySeconds cannot carry). */
    private long holdMillis(SqsDelivery d) {
        Object due = d.dueHeader();
        if (due == null) {
            return 0;
        }
        try {
            return Long.parseLong(due.toString()) - transport.clock().now().toEpochMilli();
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void hold(SqsDelivery d, long millis) {
        try {
            timer.schedule(() -> {
                if (d.isValid() && !stopped) {
                    handler.onDelivery(d);
                } else if (d.claim()) {
                    batcher.changeVisibility(d.receipt(), 0);
                }
            }, millis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (d.claim()) {
                batcher.changeVisibility(d.receipt(), 0);
            }
        }
    }

    private SqsDelivery toDelivery(Message m) {
        SqsWireFormat.Decoded decoded = SqsWireFormat.decode(m.body(), m.messageAttributes());
        String count = m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
        int receiveCount = 1;
        if (count != null) {
            try {
                receiveCount = Math.max(1, Integer.parseInt(count));
            } catch (NumberFormatException ignored) {
                // keep 1
            }
        }
        dev.omnibus.Headers headers = decoded.headers();
        Object due = headers.get(DUE_HEADER);
        if (due != null) {
            java.util.Map<String, Object> rest = new java.util.LinkedHashMap<>(headers.asMap());
            rest.remove(DUE_HEADER);
            headers = dev.omnibus.Headers.of(rest);
        }
        String group = groups == null ? null : m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID);
        SqsDelivery d = new SqsDelivery(this, decoded.body(), headers, m.receiptHandle(), receiveCount, due,
                groups == null ? null : group == null ? "" : group);
        d.leaseEndsAt(d.receivedNanos() + settings.visibilityTimeout().toNanos());
        return d;
    }

    /**
     * The heartbeat: extends every unsettled delivery's lease by the visibility timeout, until
     * {@code maxLeaseExtension} after its receipt. Past that, a delivery whose lease ends before the
     * next beat lapses ({@link SqsDelivery#lapse()}): it is no longer valid, its settlement does
     * nothing, and SQS hands the message out again when the lease ends (logged at WARN once).
     */
    private void extendLeases() {
        long now = System.nanoTime();
        long max = settings.maxLeaseExtension().toNanos();
        long visibility = settings.visibilityTimeout().toNanos();
        long beat = Math.max(1000, settings.visibilityTimeout().toMillis() / 2) * 1_000_000L;
        int seconds = (int) settings.visibilityTimeout().toSeconds();
        for (SqsDelivery d : unsettled) {
            if (!d.isValid()) {
                continue;
            }
            if (now - d.receivedNanos() < max) {
                d.leaseEndsAt(now + visibility);
                d.extendLease(java.time.Duration.ofSeconds(seconds)).whenComplete((v, e) -> {
                    if (e != null && d.isValid()) {
                        LOG.warn("Extending the visibility of {} failed: {}", d, e.toString());
                    }
                });
            } else if (now + beat >= d.leaseEndsNanos() && d.lapse()) {
                LOG.warn("{} is still unsettled {} after its receipt (maxLeaseExtension): its lease ends now and SQS "
                        + "delivers it again; settling this delivery no longer has an effect", d,
                        settings.maxLeaseExtension());
            }
        }
    }

    @Override
    public void stopDeliveries() {
        stopped = true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        stopped = true;
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        // A receive abandoned client-side stays open on the server, which may still hand it a message
        // (one requeued just now, say) that then stays invisible for a visibility timeout. So wait for
        // the receives in flight (at most waitTimeSeconds); what they bring is made visible again.
        try {
            CompletableFuture.allOf(polls.toArray(CompletableFuture[]::new)).handle((v, e) -> null)
                    .get(settings.waitTimeSeconds() + 2L, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Receives of endpoint {} still in flight at close: abandoning them; a message they take stays "
                    + "invisible until its visibility timeout", queue);
        }
        List<CompletableFuture<Void>> back = new ArrayList<>();
        for (SqsDelivery d : List.copyOf(unsettled)) {
            if (d.claim()) {
                back.add(batcher.changeVisibility(d.receipt(), 0));
            }
        }
        closed = true;
        for (CompletableFuture<ReceiveMessageResponse> p : List.copyOf(polls)) {
            p.cancel(true);
        }
        try {
            batcher.drain().get(10, TimeUnit.SECONDS); // the visibility changes above, and settlements under way
            CompletableFuture.allOf(back.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Returning {} unsettled messages of endpoint {} to the queue did not finish: {}; they come back "
                    + "when their visibility times out", back.size(), queue, e.toString());
        }
    }
}
