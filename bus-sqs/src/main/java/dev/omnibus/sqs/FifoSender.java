package dev.omnibus.sqs;

import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * Sends to FIFO endpoints ({@link SqsTransportBuilder#fifo}): each message with its
 * {@code MessageGroupId} and {@code MessageDeduplicationId} ({@link FifoIds}), the sends to one group
 * one after the other ({@link FifoSequencer}), and no per-message delay, which FIFO queues lack: a
 * message due more than {@link #MAX_HOLD} from now fails (not retryable) saying what to configure;
 * one due sooner (a durable scheduler's timer firing a moment early) goes now with
 * {@code Omnibus-Due}, and the receive loop holds it until then, so it is never early.
 *
 * <p>Futures fail with {@link TransportException}. Thread-safe; never blocks.
 */
final class FifoSender {
    /** The longest wait a FIFO send may still have when it reaches the transport: a scheduler's timer jitter. */
    static final Duration MAX_HOLD = Duration.ofSeconds(1);

    private final SqsAsyncClient sqs;
    private final Queues queues;
    private final Supplier<BusClock> clock;
    private final FifoSequencer order = new FifoSequencer();

    FifoSender(SqsAsyncClient sqs, Queues queues, Supplier<BusClock> clock) {
        this.sqs = sqs;
        this.queues = queues;
        this.clock = clock;
    }

    /** The headers to send {@code headers} with to FIFO endpoint {@code endpoint}, due at {@code due} (or null). */
    Headers headers(String endpoint, Headers headers, Instant due) {
        if (due == null) {
            return headers;
        }
        Duration wait = Duration.between(clock.get().now(), due);
        if (wait.compareTo(MAX_HOLD) > 0) {
            throw new TransportException("SQS FIFO queue of endpoint " + endpoint + " has no per-message delay, and a "
                    + "message due in " + wait + " reached it: configure a durable scheduler (BusBuilder.scheduler, e.g. "
                    + "the outbox's) to carry delays to FIFO endpoints", null, false);
        }
        return wait.isNegative() || wait.isZero() ? headers
                : headers.with(SqsReceiver.DUE_HEADER, String.valueOf(due.toEpochMilli()));
    }

    /** One message, after the earlier sends to its group. */
    CompletableFuture<Void> send(String endpoint, byte[] body, Headers headers, Instant due) {
        Headers h = headers(endpoint, headers, due);
        SqsWireFormat.Encoded m = SqsWireFormat.encode(body, h, endpoint);
        FifoIds.Ids ids = FifoIds.of(h);
        return order.after(endpoint, List.of(ids.groupId()), () -> queues.url(endpoint)
                .thenCompose(url -> sqs.sendMessage(b -> b.queueUrl(url).messageBody(m.body())
                        .messageAttributes(m.attributes()).messageGroupId(ids.groupId())
                        .messageDeduplicationId(ids.deduplicationId())))
                .handle((r, e) -> {
                    if (e != null) {
                        throw Queues.failure(e, "sending to SQS FIFO endpoint " + endpoint);
                    }
                    return null;
                }));
    }

    /** Entries (made with {@link FifoIds}) in {@code SendMessageBatch} calls one after the other, each after its groups' earlier sends. */
    void sendBatches(String endpoint, String url, List<SendBatches.Entry> entries) {
        for (List<SendBatches.Entry> batch : SendBatches.plan(entries)) {
            order.after(endpoint, batch.stream().map(x -> x.fifo().groupId()).toList(), () -> {
                SendBatches.send(sqs, url, endpoint, batch);
                return CompletableFuture.allOf(batch.stream().map(SendBatches.Entry::done).toArray(CompletableFuture[]::new));
            });
        }
    }
}
