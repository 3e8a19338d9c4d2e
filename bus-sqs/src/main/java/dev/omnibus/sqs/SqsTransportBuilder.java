package dev.omnibus.sqs;

import dev.omnibus.ConfigurationException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * Builds an {@link SqsTransport}. Every setter records what is wrong with its argument;
 * {@link #build()} reports every problem at once in one {@link ConfigurationException}. Credentials
 * are never logged or shown. Not thread-safe.
 *
 * <p>Defaults: region and credentials from the SDK's default chains; AWS's own endpoint; no queue
 * prefix; visibility timeout 30 s, extended by the heartbeat at half of it for up to 1 h; long polls
 * of 20 s; deletes and visibility changes flushed every 5 ms or at 10; up to 4 receives in flight
 * per endpoint.
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
    private int maxConcurrentReceives = 4;
    private final java.util.Set<String> fifoEndpoints = new java.util.LinkedHashSet<>();

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
        try {
            URI u = URI.create(url);
            if (u.getScheme() == null || u.getHost() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                problems.add("endpoint '" + url + "' is not an http(s)://host[:port] URL");
            } else {
                this.endpoint = u;
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            problems.add("endpoint '" + url + "' is not a URL");
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

    /** Receives in flight at once per endpoint (each up to 10 messages): 1 to 32. */
    public SqsTransportBuilder maxConcurrentReceives(int n) {
        if (n < 1 || n > 32) {
            problems.add("maxConcurrentReceives must be between 1 and 32, was " + n);
        } else {
            this.maxConcurrentReceives = n;
        }
        return this;
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
        if (!all.isEmpty()) {
            throw new ConfigurationException(all);
        }
        return new SqsTransport(new SqsSettings(region, endpoint, credentials, client, queuePrefix, visibilityTimeout,
                maxLeaseExtension, waitTimeSeconds, flushInterval, maxConcurrentReceives, java.util.Set.copyOf(fifoEndpoints)));
    }
}
