package dev.omnibus.sqs;

import dev.omnibus.TransportException;
import dev.omnibus.spi.OutgoingMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sns.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;

/**
 * Publishing: SNS {@code Publish} to the topic of the message's type, or {@code PublishBatch} for
 * several; the subscribed queues get the body and attributes unchanged (raw message delivery).
 *
 * <h2>Messages</h2>
 * Body and headers as {@link SqsWireFormat} writes them for SQS, the attributes as SNS
 * {@code String} attributes: at most 10, because SQS takes at most 10 from a raw delivery (SNS itself
 * would carry more, and fauxqs passes 11 on). SNS counts the body and the attributes (names, types,
 * values) against 256 KiB; a message over it goes through the {@link ClaimCheck} when one is
 * configured and fails before any call otherwise ({@link #encode}).
 *
 * <h2>Batches</h2>
 * {@code PublishBatch} calls of at most 10 entries and 256 KiB in all, sized before an entry is
 * added ({@link Batches}); each message's future has its own entry's result.
 *
 * <p>A message with a due time cannot be published (SNS has no delay; the bus schedules only sends).
 * Thread-safe; never blocks.
 */
final class SnsPublisher {
    static final int MAX_PUBLISH_BYTES = 256 * 1024;
    static final int MAX_BATCH = 10;

    private final SnsAsyncClient sns;
    private final SnsTopology topology;
    private final ClaimCheck claims;
    /** Publishes to one FIFO topic's group go one after the other: SNS orders a group as it accepts them. */
    private final FifoSequencer order = new FifoSequencer();

    SnsPublisher(SnsAsyncClient sns, SnsTopology topology, ClaimCheck claims) {
        this.sns = sns;
        this.topology = topology;
        this.claims = claims;
    }

    CompletableFuture<Void> publish(String urn, OutgoingMessage message) {
        String where = "SNS topic " + topology.topicName(urn);
        CompletableFuture<SqsWireFormat.Encoded> encoded = prepare(urn, message, where);
        CompletableFuture<?> published;
        if (topology.isFifo(urn)) {
            FifoIds.Ids ids = FifoIds.of(message.headers());
            published = order.after(urn, List.of(ids.groupId()), () -> encoded.thenCombine(topology.topicArn(urn),
                    (m, arn) -> sns.publish(b -> b.topicArn(arn).message(m.body()).messageAttributes(attributes(m))
                            .messageGroupId(ids.groupId()).messageDeduplicationId(ids.deduplicationId())))
                    .thenCompose(f -> f));
        } else {
            published = encoded.thenCombine(topology.topicArn(urn), (m, arn) -> sns.publish(b -> b.topicArn(arn)
                    .message(m.body()).messageAttributes(attributes(m)))).thenCompose(f -> f);
        }
        return published
                .handle((r, e) -> {
                    if (e == null) {
                        return null;
                    }
                    throw Queues.failure(e, "publishing to " + where);
                });
    }

    List<CompletableFuture<Void>> publishAll(String urn, List<OutgoingMessage> messages) {
        String where = "SNS topic " + topology.topicName(urn);
        List<CompletableFuture<Void>> out = new ArrayList<>(messages.size());
        List<CompletableFuture<SqsWireFormat.Encoded>> prepared = new ArrayList<>(messages.size());
        for (OutgoingMessage m : messages) {
            CompletableFuture<SqsWireFormat.Encoded> p = prepare(urn, m, where);
            prepared.add(p);
            out.add(new CompletableFuture<>());
        }
        CompletableFuture.allOf(prepared.toArray(CompletableFuture[]::new)).handle((v, e) -> null)
                .thenCombine(topology.topicArn(urn), (v, arn) -> arn)
                .whenComplete((arn, e) -> {
                    List<Entry> entries = new ArrayList<>(messages.size());
                    for (int i = 0; i < messages.size(); i++) {
                        CompletableFuture<SqsWireFormat.Encoded> p = prepared.get(i);
                        if (p.isCompletedExceptionally()) {
                            CompletableFuture<Void> done = out.get(i);
                            p.exceptionally(pe -> {
                                done.completeExceptionally(Queues.failure(pe, "publishing to " + where));
                                return null;
                            });
                        } else if (e != null) {
                            out.get(i).completeExceptionally(Queues.failure(e, "publishing to " + where));
                        } else {
                            entries.add(new Entry(p.join(), out.get(i), topology.isFifo(urn)
                                    ? FifoIds.of(messages.get(i).headers()) : null));
                        }
                    }
                    if (!entries.isEmpty()) {
                        send(urn, arn, where, entries);
                    }
                });
        return out;
    }

    /** {@code fifo}: the ids of a FIFO topic's entry, else null. */
    private record Entry(SqsWireFormat.Encoded message, CompletableFuture<Void> done, FifoIds.Ids fifo) {
    }

    private void send(String urn, String arn, String where, List<Entry> entries) {
        for (List<Entry> batch : Batches.plan(entries, e -> SqsWireFormat.wireBytes(e.message()), MAX_BATCH,
                MAX_PUBLISH_BYTES)) {
            List<PublishBatchRequestEntry> request = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                SqsWireFormat.Encoded m = batch.get(i).message();
                PublishBatchRequestEntry.Builder b = PublishBatchRequestEntry.builder().id(String.valueOf(i)).message(m.body())
                        .messageAttributes(attributes(m));
                FifoIds.Ids ids = batch.get(i).fifo();
                if (ids != null) {
                    b.messageGroupId(ids.groupId()).messageDeduplicationId(ids.deduplicationId());
                }
                request.add(b.build());
            }
            if (batch.get(0).fifo() != null) { // a FIFO topic: after the earlier publishes to its groups
                order.after(urn, batch.stream().map(e -> e.fifo().groupId()).toList(), () -> {
                    publishBatch(arn, where, batch, request);
                    return CompletableFuture.allOf(batch.stream().map(Entry::done).toArray(CompletableFuture[]::new));
                });
            } else {
                publishBatch(arn, where, batch, request);
            }
        }
    }

    private void publishBatch(String arn, String where, List<Entry> batch, List<PublishBatchRequestEntry> request) {
        sns.publishBatch(b -> b.topicArn(arn).publishBatchRequestEntries(request)).whenComplete((r, error) -> {
            if (error != null) {
                TransportException x = Queues.failure(error, "publishing " + batch.size() + " messages to " + where);
                batch.forEach(e -> e.done().completeExceptionally(x));
                return;
            }
            for (BatchResultErrorEntry f : r.failed()) {
                batch.get(Integer.parseInt(f.id())).done().completeExceptionally(new TransportException(
                        "SNS refused a message to " + where + ": " + f.code() + " " + f.message(), null,
                        !Boolean.TRUE.equals(f.senderFault())));
            }
            r.successful().forEach(s -> batch.get(Integer.parseInt(s.id())).done().complete(null));
        });
    }

    private CompletableFuture<SqsWireFormat.Encoded> prepare(String urn, OutgoingMessage message, String where) {
        if (message.due() != null) {
            return CompletableFuture.failedFuture(new TransportException("a published message cannot have a due time ("
                    + where + "): SNS has no delay; schedule a send to an endpoint instead", null, false));
        }
        try { // no claim check through a FIFO topic, as for FIFO sends: refused before the call
            return ClaimCheck.encode(topology.isFifo(urn) ? null : claims, message.body(), message.headers(),
                    MAX_PUBLISH_BYTES, true, where, "SNS");
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    static Map<String, MessageAttributeValue> attributes(SqsWireFormat.Encoded m) {
        Map<String, MessageAttributeValue> out = new LinkedHashMap<>();
        m.attributes().forEach((name, v) -> out.put(name, MessageAttributeValue.builder().dataType(v.dataType())
                .stringValue(v.stringValue()).build()));
        return out;
    }
}
