package dev.omnibus.sqs;

import dev.omnibus.TransportException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The SNS side of the topology: a topic per message type, and each durable endpoint's queue
 * subscribed to the topics of the types it consumes.
 *
 * <h2>Names</h2>
 * A type's topic is {@code <prefix><urn without "urn:message:">} made a valid SNS name
 * ({@code [A-Za-z0-9_-]}, at most 256 characters) the way {@link QueueNames} makes queue names: kept
 * when valid, else each other character becomes {@code -} and a hash of the full name is appended
 * ({@code urn:message:shop.orders:OrderPlaced} → {@code prod-shop-orders-OrderPlaced-<10 hex>}). The
 * prefix is valid and at most 40 characters, so every topic of a transport starts with it.
 *
 * <h2>Subscriptions</h2>
 * {@link #subscribe} looks up the queue's ARN, sets the queue's {@code Policy} so that SNS topics
 * whose names start with the prefix (in the topics' account and region) may {@code sqs:SendMessage}
 * to it, then subscribes the queue to each type's topic with {@code RawMessageDelivery=true}, so the
 * SQS message carries the published body and attributes unchanged. {@code CreateTopic} and
 * {@code Subscribe} are idempotent on SNS (the same topic, or the same subscription, comes back), so
 * every process that declares the endpoint may run it. The policy is the transport's: it replaces a
 * policy set on the queue by other means.
 *
 * <h2>FIFO topics</h2>
 * Types named in {@code fifoTopics(...)} have a FIFO topic, {@code <name>.fifo} within the 256
 * characters ({@code FifoTopic=true}, deduplication by the id each publish carries). A FIFO endpoint's
 * queue may subscribe only to FIFO topics (SNS's rule); a standard queue to both.
 *
 * <p>Topic ARNs are looked up once per type and cached ({@link OnceEach}). Thread-safe; never blocks.
 */
final class SnsTopology {
    static final int MAX_TOPIC_NAME = 256;
    private static final String URN_PREFIX = "urn:message:";

    private final SnsAsyncClient sns;
    private final SqsAsyncClient sqs;
    private final Queues queues;
    private final String prefix;
    private final java.util.Set<String> fifoUrns;
    private final OnceEach<String, String> arns = new OnceEach<>();

    SnsTopology(SnsAsyncClient sns, SqsAsyncClient sqs, Queues queues, String prefix, java.util.Set<String> fifoUrns) {
        this.fifoUrns = fifoUrns;
        this.sns = sns;
        this.sqs = sqs;
        this.queues = queues;
        this.prefix = prefix;
    }

    /** The standard topic name of message type {@code urn} under {@code prefix}. */
    static String topicName(String prefix, String urn) {
        return topicName(prefix, urn, false);
    }

    /** The topic name of message type {@code urn} under {@code prefix}; a FIFO topic's ends in {@code .fifo}. */
    static String topicName(String prefix, String urn, boolean fifo) {
        String name = urn.startsWith(URN_PREFIX) ? urn.substring(URN_PREFIX.length()) : urn;
        return fifo ? QueueNames.map(prefix + name, MAX_TOPIC_NAME - QueueNames.FIFO_SUFFIX.length()) + QueueNames.FIFO_SUFFIX
                : QueueNames.map(prefix + name, MAX_TOPIC_NAME);
    }

    String topicName(String urn) {
        return topicName(prefix, urn, isFifo(urn));
    }

    /** Whether {@code urn} is published to a FIFO topic ({@code fifoTopics(...)}). */
    boolean isFifo(String urn) {
        return fifoUrns.contains(urn);
    }

    /** The ARN of {@code urn}'s topic, created if missing. */
    CompletableFuture<String> topicArn(String urn) {
        return arns.get(urn, u -> {
            String topic = topicName(u);
            Map<String, String> attributes = isFifo(u)
                    ? Map.of("FifoTopic", "true", "ContentBasedDeduplication", "false") : Map.of();
            return sns.createTopic(b -> b.name(topic).attributes(attributes)).handle((r, e) -> {
                if (e != null) {
                    throw new TransportException("creating SNS topic " + topic + " (message type " + u + ") failed: "
                            + Queues.cause(e), Queues.cause(e), true);
                }
                return r.topicArn();
            });
        });
    }

    /**
     * Subscribes endpoint {@code name}'s queue to the topic of each of {@code urns}, after allowing
     * the transport's topics to send to it. Completes when SNS confirmed every subscription.
     */
    CompletableFuture<Void> subscribe(String name, List<String> urns, boolean fifoQueue) {
        if (urns.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (fifoQueue) {
            List<String> standard = urns.stream().filter(u -> !isFifo(u)).toList();
            if (!standard.isEmpty()) {
                return CompletableFuture.failedFuture(new TransportException("FIFO endpoint " + name + " consumes "
                        + standard + ", published to standard SNS topics, which SNS never delivers to a FIFO queue: "
                        + "name these types in fifoTopics(...) on every bus that publishes or consumes them", null, false));
            }
        }
        List<CompletableFuture<String>> topics = new ArrayList<>(urns.size());
        for (String urn : urns) {
            topics.add(topicArn(urn));
        }
        CompletableFuture<String> queueArn = queues.url(name).thenCompose(url -> sqs.getQueueAttributes(b -> b.queueUrl(url)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).thenCompose(r -> {
                    String arn = r.attributes().get(QueueAttributeName.QUEUE_ARN);
                    return topics.get(0).thenCompose(anyTopic -> sqs.setQueueAttributes(b -> b.queueUrl(url)
                            .attributes(Map.of(QueueAttributeName.POLICY, policy(arn, anyTopic))))).thenApply(x -> arn);
                }));
        return CompletableFuture.allOf(topics.toArray(CompletableFuture[]::new))
                .thenCombine(queueArn, (v, arn) -> arn)
                .thenCompose(arn -> {
                    List<CompletableFuture<?>> subs = new ArrayList<>(topics.size());
                    for (CompletableFuture<String> t : topics) {
                        subs.add(sns.subscribe(b -> b.topicArn(t.join()).protocol("sqs").endpoint(arn)
                                .attributes(Map.of("RawMessageDelivery", "true")).returnSubscriptionArn(true)));
                    }
                    return CompletableFuture.allOf(subs.toArray(CompletableFuture[]::new));
                })
                .handle((v, e) -> {
                    if (e != null) {
                        throw Queues.failure(e, "subscribing SQS queue " + queues.queueName(name) + " (endpoint " + name
                                + ") to the SNS topics of " + urns);
                    }
                    return null;
                });
    }

    /**
     * The queue policy: SNS topics of this transport (names starting with the prefix, in the account
     * and region of {@code anyTopicArn}) may send to {@code queueArn}.
     */
    String policy(String queueArn, String anyTopicArn) {
        String topics = anyTopicArn.substring(0, anyTopicArn.lastIndexOf(':') + 1) + prefix + "*";
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"omnibus-sns-fan-out\",\"Effect\":\"Allow\","
                + "\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\""
                + queueArn + "\",\"Condition\":{\"ArnLike\":{\"aws:SourceArn\":\"" + topics + "\"}}}]}";
    }
}
