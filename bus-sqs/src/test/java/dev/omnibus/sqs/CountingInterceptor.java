package dev.omnibus.sqs;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sns.model.CreateTopicRequest;
import software.amazon.awssdk.services.sns.model.PublishBatchRequest;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sns.model.PublishRequest;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * Counts the calls a transport makes through clients built here (an SDK execution interceptor sees
 * each request before it is sent): SNS {@code Publish} and {@code PublishBatch} (with each batch's
 * entries and bytes as SNS counts them: bodies and attribute names, types and values), SNS
 * {@code CreateTopic}, SQS sends and S3 puts. The clients belong to the caller. Thread-safe.
 */
final class CountingInterceptor implements ExecutionInterceptor {
    record Batch(int entries, long bytes) {
    }

    private final AtomicInteger publishes = new AtomicInteger();
    private final AtomicInteger sends = new AtomicInteger();
    private final AtomicInteger puts = new AtomicInteger();
    private final AtomicInteger creates = new AtomicInteger();
    private final List<Batch> publishBatches = new CopyOnWriteArrayList<>();
    private final List<Integer> publishAttributes = new CopyOnWriteArrayList<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        Object r = context.request();
        if (r instanceof PublishRequest p) {
            publishes.incrementAndGet();
            publishAttributes.add(p.messageAttributes().size());
        } else if (r instanceof PublishBatchRequest b) {
            long bytes = 0;
            for (PublishBatchRequestEntry e : b.publishBatchRequestEntries()) {
                bytes += utf8(e.message());
                for (var a : e.messageAttributes().entrySet()) {
                    bytes += utf8(a.getKey()) + utf8(a.getValue().dataType()) + utf8(a.getValue().stringValue());
                }
            }
            publishBatches.add(new Batch(b.publishBatchRequestEntries().size(), bytes));
        } else if (r instanceof CreateTopicRequest) {
            creates.incrementAndGet();
        } else if (r instanceof SendMessageRequest || r instanceof SendMessageBatchRequest) {
            sends.incrementAndGet();
        } else if (r instanceof PutObjectRequest) {
            puts.incrementAndGet();
        }
    }

    private static long utf8(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }

    int publishes() {
        return publishes.get();
    }

    int sends() {
        return sends.get();
    }

    int creates() {
        return creates.get();
    }

    int puts() {
        return puts.get();
    }

    /** The number of message attributes of each {@code Publish}, in order. */
    List<Integer> publishAttributes() {
        return List.copyOf(publishAttributes);
    }

    List<Batch> publishBatches() {
        return List.copyOf(publishBatches);
    }

    SnsAsyncClient sns(URI endpoint) {
        return SnsAsyncClient.builder().endpointOverride(endpoint).region(AwsTestClients.REGION)
                .credentialsProvider(AwsTestClients.CREDENTIALS).httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .overrideConfiguration(c -> c.addExecutionInterceptor(this)).build();
    }

    SqsAsyncClient sqs(URI endpoint) {
        return SqsAsyncClient.builder().endpointOverride(endpoint).region(AwsTestClients.REGION)
                .credentialsProvider(AwsTestClients.CREDENTIALS).httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .overrideConfiguration(c -> c.addExecutionInterceptor(this)).build();
    }

    S3AsyncClient s3(URI endpoint) {
        return S3AsyncClient.builder().endpointOverride(endpoint).region(AwsTestClients.REGION).forcePathStyle(true)
                .credentialsProvider(AwsTestClients.CREDENTIALS).httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .overrideConfiguration(c -> c.addExecutionInterceptor(this)).build();
    }
}
