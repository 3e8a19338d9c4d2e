package dev.omnibus.sqs;

import dev.omnibus.TransportException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The queues of one transport: each endpoint (or destination) name's queue URL, looked up once
 * ({@code GetQueueUrl}, then {@code CreateQueue} when it does not exist) and cached. The cache holds
 * one future per name the bus uses, so concurrent first sends share one lookup; a failed lookup is
 * forgotten, so the next call tries again. Thread-safe; never blocks.
 */
final class Queues {
    private final SqsAsyncClient sqs;
    private final SqsSettings settings;
    private final Map<String, CompletableFuture<String>> urls = new ConcurrentHashMap<>();

    Queues(SqsAsyncClient sqs, SqsSettings settings) {
        this.sqs = sqs;
        this.settings = settings;
    }

    /** The SQS queue name of endpoint {@code name}. */
    String queueName(String name) {
        return settings.isFifo(name) ? QueueNames.fifoQueueName(settings.queuePrefix(), name)
                : QueueNames.queueName(settings.queuePrefix(), name);
    }

    /** The URL of endpoint {@code name}'s queue, created if missing. */
    CompletableFuture<String> url(String name) {
        CompletableFuture<String> f = urls.get(name);
        if (f != null && !f.isCompletedExceptionally()) {
            return f;
        }
        CompletableFuture<String> mine = new CompletableFuture<>();
        CompletableFuture<String> prior = urls.putIfAbsent(name, mine);
        if (prior != null && !prior.isCompletedExceptionally()) {
            return prior;
        }
        if (prior != null) {
            urls.replace(name, prior, mine);
        }
        String queue = queueName(name);
        sqs.getQueueUrl(b -> b.queueName(queue))
                .thenApply(r -> r.queueUrl())
                .exceptionallyCompose(e -> cause(e) instanceof QueueDoesNotExistException ? create(queue)
                        : CompletableFuture.failedFuture(cause(e)))
                .whenComplete((url, e) -> {
                    if (e == null) {
                        mine.complete(url);
                    } else {
                        urls.remove(name, mine);
                        mine.completeExceptionally(new TransportException("finding or creating SQS queue " + queue
                                + " (endpoint " + name + ") failed: " + cause(e), cause(e), true));
                    }
                });
        return mine;
    }

    private CompletableFuture<String> create(String queue) {
        String visibility = String.valueOf(settings.visibilityTimeout().toSeconds());
        Map<QueueAttributeName, String> attributes = queue.endsWith(QueueNames.FIFO_SUFFIX)
                ? Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, visibility, QueueAttributeName.FIFO_QUEUE, "true")
                : Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, visibility);
        return sqs.createQueue(b -> b.queueName(queue).attributes(attributes)).thenApply(r -> r.queueUrl());
    }

    /** Deletes endpoint {@code name}'s queue (a reply queue at close); waits for it. */
    void delete(String name) {
        CompletableFuture<String> f = urls.remove(name);
        if (f == null) {
            return;
        }
        f.thenCompose(url -> sqs.deleteQueue(b -> b.queueUrl(url))).join();
    }

    static Throwable cause(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
