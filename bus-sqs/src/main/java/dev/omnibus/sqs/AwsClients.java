package dev.omnibus.sqs;

import java.net.URI;
import software.amazon.awssdk.awscore.client.builder.AwsAsyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The async SDK clients a transport builds when the application gives none: Netty HTTP, the
 * endpoint override when one is set (region {@code us-east-1} then, unless one is named: a local
 * server only uses it to sign), the configured region and credentials otherwise the SDK's chains.
 * S3 uses path-style addressing with an endpoint override (a local server has no bucket DNS names).
 * The caller owns and closes each client. Thread-safe (no state).
 */
final class AwsClients {
    private AwsClients() {
    }

    static SqsAsyncClient sqs(SqsSettings s) {
        return configure(SqsAsyncClient.builder(), s, s.endpoint(), 200).build();
    }

    static SnsAsyncClient sns(SqsSettings s, URI endpoint) {
        return configure(SnsAsyncClient.builder(), s, endpoint, 50).build();
    }

    static S3AsyncClient s3(SqsSettings s, URI endpoint) {
        return configure(S3AsyncClient.builder(), s, endpoint, 50).forcePathStyle(endpoint != null).build();
    }

    private static <B extends AwsAsyncClientBuilder<B, ?> & AwsClientBuilder<B, ?>> B configure(B b, SqsSettings s,
            URI endpoint, int maxConcurrency) {
        b.httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(maxConcurrency));
        if (endpoint != null) {
            b.endpointOverride(endpoint);
        }
        if (s.region() != null) {
            b.region(s.region());
        } else if (endpoint != null) {
            b.region(Region.US_EAST_1);
        }
        if (s.credentials() != null) {
            b.credentialsProvider(s.credentials());
        }
        return b;
    }
}
