package dev.omnibus.sqs;

import dev.omnibus.ConfigurationException;
import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3 claim check: a body too large for SQS (1 MiB) or SNS (256 KiB) is stored as an S3 object
 * and the message carries a reference to it instead.
 *
 * <h2>On the wire</h2>
 * The object is the body as the serializer wrote it, under the key
 * {@code <queuePrefix>omnibus-claims/sent/<uuid>} for a send and
 * {@code <queuePrefix>omnibus-claims/published/<uuid>} for a publish. The message's body becomes a
 * short JSON text naming the object, and the header {@value #HEADER} = {@code s3://bucket/key} is
 * added (an attribute, or packed with the others when the attribute budget is spent: it travels like
 * any header).
 *
 * <h2>Reading and deleting</h2>
 * The receiver fetches the object with a ranged {@code GetObject} of at most {@code maxBodySize + 1}
 * bytes, so a larger object is refused without being read; it fetches only from the configured
 * bucket and under this transport's key prefix, never from a place a message names. A sent message
 * has one receiver: its object is deleted once the message is acknowledged. A published message fans
 * out to every subscribed queue, and no receiver knows when the last copy is settled: its object is
 * left to the bucket's lifecycle rule (expire {@code <queuePrefix>omnibus-claims/} after longer than
 * the queues' message retention; it also takes the objects of sends that failed after the upload). A
 * dead-lettered message keeps its object (its {@code _error} copy points to it).
 * Thread-safe; never blocks except in {@link #checkBucket()}.
 */
final class ClaimCheck {
    /** The header naming the object that holds the body. */
    static final String HEADER = "Omnibus-Claim-Check";
    static final String SENT = "sent/";
    static final String PUBLISHED = "published/";

    private final S3AsyncClient s3;
    private final String bucket;
    private final String keyPrefix;
    private final int maxBodySize;

    ClaimCheck(S3AsyncClient s3, String bucket, String queuePrefix, int maxBodySize) {
        this.s3 = s3;
        this.bucket = bucket;
        this.keyPrefix = queuePrefix + "omnibus-claims/";
        this.maxBodySize = maxBodySize;
    }

    int maxBodySize() {
        return maxBodySize;
    }

    String bucket() {
        return bucket;
    }

    /** Fails with what to fix when the bucket does not exist or cannot be reached (at start). */
    void checkBucket() {
        try {
            s3.headBucket(b -> b.bucket(bucket)).join();
        } catch (RuntimeException e) {
            Throwable c = Queues.cause(e);
            if (c instanceof NoSuchBucketException || (c instanceof S3Exception s && s.statusCode() == 404)) {
                throw new ConfigurationException("the claim check's S3 bucket '" + bucket + "' does not exist: create it "
                        + "(with a lifecycle rule expiring " + keyPrefix + " after the queues' retention), or name another in "
                        + "SqsTransportBuilder.claimCheck(...)");
            }
            throw new ConfigurationException("the claim check's S3 bucket '" + bucket + "' cannot be reached (" + c
                    + "): check the S3 endpoint, region and credentials (SqsTransportBuilder.s3Endpoint/s3Client)");
        }
    }

    /** A body and headers to send in place of the original, once S3 has the body. */
    record Stored(byte[] body, Headers headers) {
    }

    /**
     * Stores {@code body} and answers the message that refers to it. Fails (not retryable) without a
     * call when the body is over {@code maxBodySize}.
     *
     * @param published whether the message fans out (its object then waits for the lifecycle rule)
     * @param where     the queue or topic, for error messages
     */
    CompletableFuture<Stored> store(byte[] body, Headers headers, boolean published, String where) {
        if (body.length > maxBodySize) {
            return CompletableFuture.failedFuture(new TransportException("a body of " + body.length + " bytes is over the "
                    + "claim check's limit of " + maxBodySize + " bytes (" + where + "; SqsTransportBuilder.claimCheck"
                    + "MaxBodySize)", null, false));
        }
        String key = keyPrefix + (published ? PUBLISHED : SENT) + UUID.randomUUID();
        String reference = "s3://" + bucket + "/" + key;
        return s3.putObject(b -> b.bucket(bucket).key(key).contentLength((long) body.length), AsyncRequestBody.fromBytes(body))
                .handle((r, e) -> {
                    if (e != null) {
                        throw new TransportException("storing a body of " + body.length + " bytes in S3 (" + reference
                                + ", for " + where + ") failed: " + Queues.cause(e), Queues.cause(e), true);
                    }
                    byte[] stub = ("{\"claimCheck\":\"" + reference + "\",\"bytes\":" + body.length + "}")
                            .getBytes(StandardCharsets.UTF_8);
                    return new Stored(stub, headers.with(HEADER, reference));
                });
    }

    /** The object's key if {@code reference} points into this claim check's bucket and prefix; else null. */
    String keyOf(String reference) {
        String start = "s3://" + bucket + "/" + keyPrefix;
        if (!reference.startsWith(start) || reference.contains("..")) {
            return null;
        }
        String rest = reference.substring(start.length());
        return rest.startsWith(SENT) || rest.startsWith(PUBLISHED) ? reference.substring(("s3://" + bucket + "/").length())
                : null;
    }

    /** Whether the object of {@code key} goes when its (only) message is acknowledged. */
    boolean deletedOnAck(String key) {
        return key.startsWith(keyPrefix + SENT);
    }

    /**
     * The body stored under {@code key}: at most {@code maxBodySize} bytes are accepted (a larger
     * object fails, not retryable, after reading one byte past the limit). A missing object fails not
     * retryable; any other failure retryable.
     */
    CompletableFuture<byte[]> fetch(String key) {
        return s3.getObject(b -> b.bucket(bucket).key(key).range("bytes=0-" + maxBodySize), AsyncResponseTransformer.toBytes())
                .handle((r, e) -> {
                    if (e != null) {
                        Throwable c = Queues.cause(e);
                        boolean gone = c instanceof NoSuchKeyException || (c instanceof S3Exception s && s.statusCode() == 404);
                        throw new TransportException("fetching the claim-checked body s3://" + bucket + "/" + key + " failed"
                                + (gone ? " (it does not exist)" : "") + ": " + c, c, !gone);
                    }
                    byte[] bytes = r.asByteArrayUnsafe();
                    if (bytes.length > maxBodySize) {
                        throw new TransportException("the claim-checked body s3://" + bucket + "/" + key + " is over the "
                                + "claim check's limit of " + maxBodySize + " bytes: not read", null, false);
                    }
                    return bytes;
                });
    }

    CompletableFuture<Void> delete(String key) {
        return s3.deleteObject(b -> b.bucket(bucket).key(key)).thenApply(r -> null);
    }

    /**
     * The message as it goes on the wire within {@code limit} bytes: as it is when it fits; else, with
     * a claim check, a reference to the body stored in S3; else a non-retryable
     * {@link TransportException} saying so, before any call.
     */
    static CompletableFuture<SqsWireFormat.Encoded> encode(ClaimCheck claims, byte[] body, Headers headers, int limit,
            boolean published, String where, String service) {
        SqsWireFormat.Encoded e = SqsWireFormat.encodeAnySize(body, headers);
        long size = SqsWireFormat.wireBytes(e);
        if (size <= limit) {
            return CompletableFuture.completedFuture(e);
        }
        if (claims == null) {
            return CompletableFuture.failedFuture(new TransportException("a message of " + size + " bytes on the wire (body "
                    + body.length + " bytes" + (e.base64() ? ", base64-encoded" : "") + ", plus its headers) is over "
                    + service + "'s limit of " + limit + " bytes (" + where + "): configure a claim check "
                    + "(SqsTransportBuilder.claimCheck) to carry larger bodies through S3", null, false));
        }
        return claims.store(body, headers, published, where).thenApply(s -> {
            SqsWireFormat.Encoded stub = SqsWireFormat.encodeAnySize(s.body(), s.headers());
            long stubSize = SqsWireFormat.wireBytes(stub);
            if (stubSize > limit) {
                throw new TransportException("a message's headers alone take " + stubSize + " bytes, over " + service
                        + "'s limit of " + limit + " bytes (" + where + ")", null, false);
            }
            return stub;
        });
    }
}
