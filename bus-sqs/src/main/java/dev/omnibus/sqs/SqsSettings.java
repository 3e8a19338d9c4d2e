package dev.omnibus.sqs;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The checked settings of an {@link SqsTransport} ({@link SqsTransportBuilder}). {@link #toString()}
 * never shows credentials.
 *
 * @param client           a client the application owns (the transport does not close it), or null
 * @param fifoEndpoints    the endpoint names whose queues are FIFO queues
 * @param sendLinger       how long a single send to a standard queue waits for others to share its call (0: none)
 */
record SqsSettings(Region region, URI endpoint, AwsCredentialsProvider credentials, SqsAsyncClient client,
        String queuePrefix, Duration visibilityTimeout, Duration maxLeaseExtension, int waitTimeSeconds,
        Duration flushInterval, int maxConcurrentReceives, java.util.Set<String> fifoEndpoints, Duration sendLinger) {

    /** Whether endpoint (or destination) {@code name} is a FIFO queue ({@link SqsTransportBuilder#fifo}). */
    boolean isFifo(String name) {
        return fifoEndpoints.contains(name);
    }

    @Override
    public String toString() {
        return "SqsSettings[region=" + region + ", endpoint=" + (endpoint == null ? "AWS" : endpoint)
                + ", credentials=" + (client != null ? "(the application's client)" : credentials == null ? "default chain"
                        : credentials.getClass().getSimpleName())
                + ", queuePrefix=" + queuePrefix + ", visibilityTimeout=" + visibilityTimeout + ", maxLeaseExtension="
                + maxLeaseExtension + ", waitTimeSeconds=" + waitTimeSeconds + ", flushInterval=" + flushInterval
                + ", maxConcurrentReceives=" + maxConcurrentReceives + ", fifo=" + fifoEndpoints + ", sendLinger=" + sendLinger + "]";
    }

    /** Where a queue's URL in log lines and transport URIs points: the endpoint's host, else the region. */
    String host() {
        if (endpoint != null) {
            return endpoint.getAuthority();
        }
        if (region == null) {
            return "sqs"; // the application's own client(...): its endpoint and region are its own
        }
        return "sqs." + region.id() + ".amazonaws.com";
    }
}
