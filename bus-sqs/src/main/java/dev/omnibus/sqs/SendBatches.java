package dev.omnibus.sqs;

import dev.omnibus.TransportException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Several messages to one queue in {@code SendMessageBatch} calls. A batch is sized <em>before</em>
 * an entry is added: an entry joins the current batch only if the batch stays within 10 entries and
 * 1 MiB in all (bodies and attributes as SQS counts them), else it starts the next batch; so SQS never
 * answers {@code TooManyEntriesInBatchRequest} or {@code BatchRequestTooLong}. Each message's future
 * completes with its own entry's result. Thread-safe (no state).
 */
final class SendBatches {
    static final int MAX_ENTRIES = 10;

    /** One message ready for a batch; {@code fifo}: its ids for a FIFO queue, else null. */
    record Entry(SqsWireFormat.Encoded message, int delaySeconds, CompletableFuture<Void> done, FifoIds.Ids fifo) {
        Entry(SqsWireFormat.Encoded message, int delaySeconds, CompletableFuture<Void> done) {
            this(message, delaySeconds, done, null);
        }

        long size() {
            return SqsWireFormat.wireBytes(message);
        }
    }

    private SendBatches() {
    }

    /** The entries split into batches in order, each within 10 entries and 1 MiB. */
    static List<List<Entry>> plan(List<Entry> entries) {
        return Batches.plan(entries, Entry::size, MAX_ENTRIES, SqsWireFormat.MAX_MESSAGE_BYTES);
    }

    static void send(SqsAsyncClient sqs, String url, String endpoint, List<Entry> entries) {
        for (List<Entry> batch : plan(entries)) {
            List<SendMessageBatchRequestEntry> request = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                Entry e = batch.get(i);
                SendMessageBatchRequestEntry.Builder b = SendMessageBatchRequestEntry.builder().id(String.valueOf(i))
                        .messageBody(e.message().body()).messageAttributes(e.message().attributes());
                if (e.fifo() == null) {
                    b.delaySeconds(e.delaySeconds());
                } else { // a FIFO queue: no per-message delay
                    b.messageGroupId(e.fifo().groupId()).messageDeduplicationId(e.fifo().deduplicationId());
                }
                request.add(b.build());
            }
            sqs.sendMessageBatch(b -> b.queueUrl(url).entries(request)).whenComplete((r, error) -> {
                if (error != null) {
                    Throwable c = Queues.cause(error);
                    TransportException x = new TransportException("sending " + batch.size() + " messages to SQS endpoint "
                            + endpoint + " failed: " + c, c, true);
                    batch.forEach(e -> e.done().completeExceptionally(x));
                    return;
                }
                for (BatchResultErrorEntry f : r.failed()) {
                    batch.get(Integer.parseInt(f.id())).done().completeExceptionally(new TransportException(
                            "SQS refused a message to endpoint " + endpoint + ": " + f.code() + " " + f.message(), null,
                            !Boolean.TRUE.equals(f.senderFault())));
                }
                r.successful().forEach(s -> batch.get(Integer.parseInt(s.id())).done().complete(null));
            });
        }
    }
}
