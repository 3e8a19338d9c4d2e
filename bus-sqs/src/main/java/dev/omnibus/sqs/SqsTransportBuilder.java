package dev.omnibus.sqs;

import dev.omnibus.ConfigurationException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * Builds an {@link SqsTransport}. Every setter records what is wrong with its argument;
 * {@link #build()} reports every problem at once in one {@link ConfigurationException}. Credentials
 * are never logged or shown. Not thread-safe.
 *
 * <p>Defaults: region and credentials from the SDK's default chains; AWS's own endpoint; no queue
 * prefix; visibility timeout 30 s, extended by the heartbeat at half of it for up to 1 h; long polls
 * of 20 s; deletes and visibility changes flushed every 5 ms or at 10; up to 4 receives in flight
 * per endpoint; SNS and S3 (the claim check) at the SQS endpoint when one is set, else AWS's; no
 * claim check (bodies over 1 MiB, or 256 KiB when published, fail before any call).
 *
 * <pre>{@code
 * SqsTransport t = SqsTransport.builder()
 *         .region("eu-west-1")
 *         .queuePrefix("prod-")
 *         .build();
 * }</pre>
 */
public final class SqsTransportBuilder {
    private final List<String> problems = new ArrayList<>();
    private Region region;
    private URI endpoint;
    private AwsCredentialsProvider credentials;
    private SqsAsyncClient client;
    private String queuePrefix = "";
    private Duration visibilityTimeout = Duration.ofSeconds(30);
    private Duration maxLeaseExtension = Duration.ofHours(1);
    private int waitTimeSeconds = 20;
    private Duration flushInterval = Duration.ofMillis(5);
    private Duration sendLinger = Duration.ZERO;
    private int maxConcurrentReceives = 4;
    private URI snsEndpoint;
    private SnsAsyncClient snsClient;
    private String claimCheckBucket;
    private URI s3Endpoint;
    private S3AsyncClient s3Client;
    private Integer claimCheckMaxBodySize;
    private boolean withoutSns;
    private final java.util.Set<String> fifoEndpoints = new java.util.LinkedHashSet<>();
    private final java.util.Set<String> fifoTopicUrns = new java.util.LinkedHashSet<>();

    SqsTransportBuilder() {
    }

    /** The AWS region ({@code eu-west-1}). Default: the SDK's region chain. */
    public SqsTransportBuilder region(String region) {
        if (region == null || region.isBlank()) {
            problems.add("region is blank: name one, e.g. region(\"eu-west-1\")");
        } else {
            this.region = Region.of(region.trim());
        }
        return this;
    }

    /** Another SQS endpoint ({@code http://127.0.0.1:9324} for ElasticMQ). Default: AWS's. */
    public SqsTransportBuilder endpoint(String url) {
        URI u = url(url, "endpoint");
        if (u != null) {
            this.endpoint = u;
        }
        return this;
    }

    /** The credentials. Default: the SDK's default credentials chain. Never logged. */
    public SqsTransportBuilder credentials(AwsCredentialsProvider credentials) {
        if (credentials == null) {
            problems.add("credentials is null");
        }
        this.credentials = credentials;
        return this;
    }

    /** A client of the application's own, used instead of one the transport builds (and not closed by it). */
    public SqsTransportBuilder client(SqsAsyncClient client) {
        if (client == null) {
            problems.add("client is null");
        }
        this.client = client;
        return this;
    }

    /** A prefix for every queue name (an environment: {@code prod-}); letters, digits, - and _, at most 40. */
    public SqsTransportBuilder queuePrefix(String prefix) {
        if (prefix == null || (!prefix.isEmpty() && (!QueueNames.isValid(prefix) || prefix.length() > 40))) {
            problems.add("queuePrefix '" + prefix + "' must be letters, digits, - and _ only, at most 40 characters");
        } else {
            this.queuePrefix = prefix;
        }
        return this;
    }

    /** The visibility timeout of the queues the transport creates and of each lease extension: 2 s to 12 h. */
    public SqsTransportBuilder visibilityTimeout(Duration timeout) {
        if (timeout == null || timeout.compareTo(Duration.ofSeconds(2)) < 0 || timeout.compareTo(Duration.ofHours(12)) > 0) {
            problems.add("visibilityTimeout must be between 2 s and 12 h (SQS's limit), was " + timeout);
        } else {
            this.visibilityTimeout = timeout;
        }
        return this;
    }

    /** How long after receipt the heartbeat stops extending an unsettled message's visibility: up to 12 h. */
    public SqsTransportBuilder maxLeaseExtension(Duration max) {
        if (max == null || max.isNegative() || max.compareTo(Duration.ofHours(12)) > 0) {
            problems.add("maxLeaseExtension must be between 0 and 12 h (SQS keeps a message invisible 12 h at most), was "
                    + max);
        } else {
            this.maxLeaseExtension = max;
        }
        return this;
    }

    /** The long poll's wait: 1 to 20 seconds. */
    public SqsTransportBuilder waitTimeSeconds(int seconds) {
        if (seconds < 1 || seconds > 20) {
            problems.add("waitTimeSeconds must be between 1 and 20 (SQS's limit), was " + seconds);
        } else {
            this.waitTimeSeconds = seconds;
        }
        return this;
    }

    /**
     * How long a delete or visibility change waits for others to share its batch call: 0 to 1 s. A
     * partial batch of deletes waits up to 10 times that while other deliveries of the queue are
     * unsettled (they can still join it).
     */
    public SqsTransportBuilder flushInterval(Duration interval) {
        if (interval == null || interval.isNegative() || interval.compareTo(Duration.ofSeconds(1)) > 0) {
            problems.add("flushInterval must be between 0 and 1 s, was " + interval);
        } else {
            this.flushInterval = interval;
        }
        return this;
    }

    /**
     * How long a single send to a standard queue waits for others to share its {@code SendMessageBatch}
     * call when fewer than ten are waiting: 0 to 1 s, default 0 (a lone send leaves at once; sends share
     * calls only while earlier calls to the queue are unanswered). A few milliseconds make a stream of
     * single sends cost a tenth of a call each, as a client writing batches of ten, at that much latency.
     */
    public SqsTransportBuilder sendLinger(Duration linger) {
        if (linger == null || linger.isNegative() || linger.compareTo(Duration.ofSeconds(1)) > 0) {
            problems.add("sendLinger must be between 0 and 1 s, was " + linger);
        } else {
            this.sendLinger = linger;
        }
        return this;
    }

    /** Receives in flight at once per endpoint (each up to 10 messages): 1 to 32. */
    public SqsTransportBuilder maxConcurrentReceives(int n) {
        if (n < 1 || n > 32) {
            problems.add("maxConcurrentReceives must be between 1 and 32, was " + n);
        } else {
            this.maxConcurrentReceives = n;
        }
        return this;
    }

    /** Another SNS endpoint (a local emulator). Default: the {@link #endpoint} when one is set, else AWS's. */
    public SqsTransportBuilder snsEndpoint(String url) {
        this.snsEndpoint = url(url, "snsEndpoint");
        return this;
    }

    /** An SNS client of the application's own, used for publishing (not closed by the transport). */
    /**
     * No SNS: the transport sends to endpoints and receives, and refuses to publish (a clear error, no
     * call), since publishing is an SNS topic per message type; endpoints subscribe to nothing. For a
     * service that only sends and consumes sent messages, or an SQS server without SNS (ElasticMQ).
     * Default: SNS on.
     */
    public SqsTransportBuilder withoutSns() {
        this.withoutSns = true;
        return this;
    }

    public SqsTransportBuilder snsClient(SnsAsyncClient client) {
        if (client == null) {
            problems.add("snsClient is null");
        }
        this.snsClient = client;
        return this;
    }

    /**
     * Turns the S3 claim check on: a body over SQS's 1 MiB (or SNS's 256 KiB when published) is stored
     * in {@code bucket} and the message carries a reference; the receiver fetches it. The bucket must
     * exist ({@link SqsTransport#start} checks it); give it a lifecycle rule expiring
     * {@code <queuePrefix>omnibus-claims/} after the queues' retention: the objects of published
     * messages are never deleted by a receiver (see docs/sqs.md).
     */
    public SqsTransportBuilder claimCheck(String bucket) {
        if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            problems.add("claimCheck bucket '" + bucket + "' is not an S3 bucket name (3 to 63 lower-case letters, digits, "
                    + ". and -)");
        } else {
            this.claimCheckBucket = bucket;
        }
        return this;
    }

    /** The largest body the claim check stores or reads: 1 MiB to 1 GiB, default 16 MiB. */
    public SqsTransportBuilder claimCheckMaxBodySize(int bytes) {
        if (bytes < SqsWireFormat.MAX_MESSAGE_BYTES || bytes > 1 << 30) {
            problems.add("claimCheckMaxBodySize must be between 1 MiB and 1 GiB, was " + bytes);
        } else {
            this.claimCheckMaxBodySize = bytes;
        }
        return this;
    }

    /** Another S3 endpoint for the claim check, addressed path-style. Default: the {@link #endpoint} when set, else AWS's. */
    public SqsTransportBuilder s3Endpoint(String url) {
        this.s3Endpoint = url(url, "s3Endpoint");
        return this;
    }

    /** An S3 client of the application's own for the claim check (not closed by the transport). */
    public SqsTransportBuilder s3Client(S3AsyncClient client) {
        if (client == null) {
            problems.add("s3Client is null");
        }
        this.s3Client = client;
        return this;
    }

    private URI url(String url, String what) {
        try {
            URI u = URI.create(url);
            if (u.getScheme() != null && u.getHost() != null && (u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                return u;
            }
            problems.add(what + " '" + url + "' is not an http(s)://host[:port] URL");
        } catch (IllegalArgumentException | NullPointerException e) {
            problems.add(what + " '" + url + "' is not a URL");
        }
        return null;
    }

    private void checkSnsAndClaimCheck(List<String> all) {
        if (withoutSns && (snsClient != null || snsEndpoint != null)) {
            all.add("withoutSns() is given together with snsClient(...) or snsEndpoint(...): choose one");
        }
        if (snsClient != null && snsEndpoint != null) {
            all.add("snsClient(...) is given together with snsEndpoint: configure the endpoint on the client");
        }
        if (client != null && snsClient == null && !withoutSns) {
            all.add("client(...) is given but snsClient(...) is not: publishing goes through SNS, give its client too");
        }
        if (s3Client != null && s3Endpoint != null) {
            all.add("s3Client(...) is given together with s3Endpoint: configure the endpoint on the client");
        }
        if (claimCheckBucket == null && (s3Client != null || s3Endpoint != null || claimCheckMaxBodySize != null)) {
            all.add("s3Client, s3Endpoint or claimCheckMaxBodySize is set but claimCheck(bucket) is not: name the bucket");
        }
        if (claimCheckBucket != null && client != null && s3Client == null) {
            all.add("client(...) is given with a claim check but s3Client(...) is not: give the S3 client too");
        }
    }

    /**
     * Endpoints whose queues are SQS FIFO queues, {@code <prefix><name>.fifo} (the name shortened, with
     * a hash, so the whole stays within 80 characters). Name the same endpoints on every bus that
     * sends to them: a send to a listed name goes to its FIFO queue with {@code MessageGroupId} = the
     * message's partition key (its correlation id unless the producer set another key; the message id
     * when it has neither) and {@code MessageDeduplicationId} = its message id. The receive loop hands
     * the bus one message of a group at a time, groups in parallel ({@link FifoGroups}). The endpoints'
     * {@code _error} and {@code _skipped} queues stay standard queues. FIFO queues have no per-message
     * delay: scheduled sends and delayed redelivery to them need a durable scheduler
     * ({@code BusBuilder.scheduler}). Default: none.
     */
    public SqsTransportBuilder fifo(String... endpointNames) {
        if (endpointNames == null || endpointNames.length == 0) {
            problems.add("fifo() names no endpoint: name the endpoints whose queues are FIFO queues");
            return this;
        }
        for (String n : endpointNames) {
            if (n == null || n.isBlank()) {
                problems.add("fifo(...) holds a blank endpoint name");
            } else if (n.endsWith(QueueNames.FIFO_SUFFIX)) {
                problems.add("fifo(\"" + n + "\"): name the endpoint without '.fifo'; the transport adds it to the queue name");
            } else {
                fifoEndpoints.add(n);
            }
        }
        return this;
    }

    /**
     * Message types published to SNS FIFO topics ({@code <prefix><type>.fifo}) instead of standard ones:
     * each publish carries {@code MessageGroupId} = the message's partition key (as a FIFO send does) and
     * {@code MessageDeduplicationId} = its message id, so SNS keeps the order of a group and drops a
     * second publish of one message within five minutes. FIFO endpoints ({@link #fifo}) can receive
     * published messages only of these types (SNS delivers FIFO topics to FIFO queues, never standard
     * topics); standard endpoints receive them too, without order. Name the same types on every bus that
     * publishes or consumes them. A FIFO topic takes 300 publishes a second per group (SNS's limit), and
     * bodies of at most 256 KiB (no claim check). Default: none.
     */
    public SqsTransportBuilder fifoTopics(Class<?>... messageTypes) {
        if (messageTypes == null || messageTypes.length == 0) {
            problems.add("fifoTopics() names no message type: name the types published to FIFO topics");
            return this;
        }
        for (Class<?> t : messageTypes) {
            if (t == null) {
                problems.add("fifoTopics(...) holds a null type");
            } else {
                fifoTopicUrns.add(dev.omnibus.MessageTypeRegistry.urnOf(t));
            }
        }
        return this;
    }

    /** The transport; {@link ConfigurationException} listing every problem when the settings are wrong. */
    public SqsTransport build() {
        List<String> all = new ArrayList<>(problems);
        if (client != null && (endpoint != null || credentials != null || region != null)) {
            all.add("client(...) is given together with region, endpoint or credentials: configure those on the client");
        }
        if (maxLeaseExtension.compareTo(visibilityTimeout) < 0 && !maxLeaseExtension.isZero()) {
            all.add("maxLeaseExtension (" + maxLeaseExtension + ") is shorter than visibilityTimeout (" + visibilityTimeout
                    + "): use 0 for no heartbeat, or at least the visibility timeout");
        }
        checkSnsAndClaimCheck(all);
        if (withoutSns && !fifoTopicUrns.isEmpty()) {
            all.add("fifoTopics(...) is given with withoutSns(): FIFO topics are SNS topics; drop one of the two");
        }
        if (!all.isEmpty()) {
            throw new ConfigurationException(all);
        }
        return new SqsTransport(new SqsSettings(region, endpoint, credentials, client, queuePrefix, visibilityTimeout,
                maxLeaseExtension, waitTimeSeconds, flushInterval, maxConcurrentReceives, java.util.Set.copyOf(fifoEndpoints),
                sendLinger),
                new SnsSettings(snsEndpoint != null || snsClient != null ? snsEndpoint : endpoint, snsClient, claimCheckBucket,
                        s3Endpoint != null || s3Client != null ? s3Endpoint : endpoint, s3Client,
                        claimCheckMaxBodySize == null ? 16 * 1024 * 1024 : claimCheckMaxBodySize, withoutSns,
                        fifoTopicUrns));
    }
}
