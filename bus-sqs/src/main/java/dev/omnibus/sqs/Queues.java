package dev.omnibus.sqs;

import dev.omnibus.TransportException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The queues of one transport: each endpoint (or destination) name's queue URL, looked up once
 * ({@code GetQueueUrl}, then {@code CreateQueue} when it does not exist) and cached ({@link OnceEach}:
 * concurrent first sends share one lookup; a failed lookup is forgotten, so the next call tries
 * again). Thread-safe; never blocks.
 */
final class Queues {
    private final SqsAsyncClient sqs;
    private final SqsSettings settings;
    private final OnceEach<String, String> urls = new OnceEach<>();

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
        return urls.get(name, n -> {
            String queue = queueName(n);
            return sqs.getQueueUrl(b -> b.queueName(queue))
                    .thenApply(r -> r.queueUrl())
                    .exceptionallyCompose(e -> cause(e) instanceof QueueDoesNotExistException ? create(queue)
                            : CompletableFuture.failedFuture(cause(e)))
                    .handle((url, e) -> {
                        if (e != null) {
                            String tls = dev.omnibus.spi.TlsFailures.explain(e);
                            throw new TransportException("finding or creating SQS queue " + queue + " (endpoint " + n
                                    + ") failed: " + (tls != null ? tls + "; " : "") + cause(e), cause(e), tls == null);
                        }
                        return url;
                    });
        });
    }

    /**
     * The URL of endpoint {@code name}'s queue if it exists, never creating it (for addresses that came
     * from a message); shares {@link #url}'s cache, so a known queue costs no call. A missing queue
     * fails with a non-retryable {@link TransportException}, and is not remembered.
     */
    CompletableFuture<String> existingUrl(String name) {
        return urls.get(name, n -> {
            String queue = queueName(n);
            return sqs.getQueueUrl(b -> b.queueName(queue)).thenApply(r -> r.queueUrl()).handle((url, e) -> {
                if (e == null) {
                    return url;
                }
                if (cause(e) instanceof QueueDoesNotExistException) {
                    throw new TransportException("no SQS queue " + queue + " (endpoint " + n + "); an address from a "
                            + "message never creates one", null, false);
                }
                throw new TransportException("finding SQS queue " + queue + " failed: " + cause(e), cause(e), true);
            });
        });
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

    /**
     * {@code e} (a completion's failure) as the transport reports it: a {@link TransportException}
     * already made below passes through; anything else is wrapped as "{@code what} failed: …", retryable.
     */
    static TransportException failure(Throwable e, String what) {
        Throwable c = cause(e);
        return c instanceof TransportException t ? t : new TransportException(what + " failed: " + c, c, true);
    }

    static Throwable cause(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
