package dev.omnibus.sqs;

import java.net.URI;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sns.SnsAsyncClient;

/**
 * The checked SNS and claim-check settings of an {@link SqsTransport} ({@link SqsTransportBuilder});
 * region and credentials are the transport's ({@link SqsSettings}). {@link #toString()} never shows
 * credentials.
 *
 * @param snsEndpoint       SNS's endpoint, or null for AWS's (the builder defaults it to the SQS endpoint)
 * @param snsClient         an SNS client the application owns (not closed by the transport), or null
 * @param claimCheckBucket  the claim check's bucket, or null for no claim check
 * @param s3Endpoint        S3's endpoint (path-style addressing when set), or null for AWS's
 * @param s3Client          an S3 client the application owns, or null
 * @param claimCheckMaxBody the largest body the claim check stores or reads, in bytes
 * @param disabled          no SNS ({@code withoutSns()}): no topics or subscriptions, publishing refused
 * @param fifoTopicUrns     message types ({@code urn:message:…}) published to FIFO topics ({@code fifoTopics(...)})
 */
record SnsSettings(URI snsEndpoint, SnsAsyncClient snsClient, String claimCheckBucket, URI s3Endpoint,
        S3AsyncClient s3Client, int claimCheckMaxBody, boolean disabled, java.util.Set<String> fifoTopicUrns) {

    SnsSettings {
        fifoTopicUrns = java.util.Set.copyOf(fifoTopicUrns);
    }

    boolean claimCheck() {
        return claimCheckBucket != null;
    }

    @Override
    public String toString() {
        return "SnsSettings[sns=" + (disabled ? "none (withoutSns)" : snsClient != null ? "(the application's client)" : snsEndpoint == null ? "AWS"
                : snsEndpoint) + ", claimCheck=" + (claimCheckBucket == null ? "none" : "s3://" + claimCheckBucket
                + " (" + (s3Client != null ? "the application's client" : s3Endpoint == null ? "AWS" : s3Endpoint)
                + ", max " + claimCheckMaxBody + " bytes)") + "]";
    }
}
