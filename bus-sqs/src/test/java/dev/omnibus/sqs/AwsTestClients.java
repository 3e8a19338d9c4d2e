package dev.omnibus.sqs;

import dev.omnibus.testing.RunIds;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * AWS SDK clients for a test server: static credentials ({@code omnibus}/{@code omnibus}, which
 * ElasticMQ and the emulator accept and never check), region {@code us-east-1}, and the server's
 * endpoint as {@code endpointOverride}. Sync clients use {@code url-connection-client} (the only
 * sync HTTP client on bus-sqs's class path), async clients Netty. S3 clients use path-style
 * addressing: virtual-hosted style would need {@code BUCKET.127.0.0.1} to resolve.
 *
 * <p>Every client returned is new and belongs to the caller, who closes it (the fixtures keep
 * one of each for the whole JVM and close them in their shutdown hooks). Thread-safe.
 */
final class AwsTestClients {
    static final Region REGION = Region.US_EAST_1;
    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("omnibus", "omnibus"));

    private AwsTestClients() {
    }

    static SqsClient sqs(URI endpoint) {
        return SqsClient.builder()
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    static SqsAsyncClient sqsAsync(URI endpoint) {
        return SqsAsyncClient.builder()
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .build();
    }

    static SnsClient sns(URI endpoint) {
        return SnsClient.builder()
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    static S3Client s3(URI endpoint) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(CREDENTIALS)
                .forcePathStyle(true)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    /**
     * Throws unless {@code prefix} carries an id this JVM handed out ({@link RunIds#next()}), so
     * clean-up can never delete what other runs or applications on a shared server created.
     */
    static void requireOurs(String prefix, String what) {
        if (prefix == null || prefix.isBlank() || !RunIds.ours(prefix)) {
            throw new IllegalArgumentException("the prefix must contain an id from RunIds.next() (got '" + prefix
                    + "'): it would delete " + what + " this run did not create");
        }
    }

    /** The URLs of the queues whose names start with {@code prefix}, every page of them. */
    static List<String> queueUrlsWithPrefix(SqsClient sqs, String prefix) {
        List<String> urls = new ArrayList<>();
        sqs.listQueuesPaginator(r -> r.queueNamePrefix(prefix).maxResults(1000))
                .forEach(page -> urls.addAll(page.queueUrls()));
        return urls;
    }

    /** Deletes the queues whose names start with {@code prefix} (which must be {@linkplain #requireOurs ours}). */
    static int deleteQueuesWithPrefix(SqsClient sqs, String prefix) {
        requireOurs(prefix, "queues");
        List<String> urls = queueUrlsWithPrefix(sqs, prefix);
        for (String url : urls) {
            try {
                sqs.deleteQueue(r -> r.queueUrl(url));
            } catch (QueueDoesNotExistException alreadyGone) {
                // deleted by the test itself, or by another clean-up of the same prefix
            }
        }
        return urls.size();
    }
}
