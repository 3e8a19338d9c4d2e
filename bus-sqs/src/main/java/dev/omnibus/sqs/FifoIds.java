package dev.omnibus.sqs;

import dev.omnibus.Headers;
import dev.omnibus.spi.OutgoingMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The two ids a message to an SQS FIFO queue carries, read from its transport headers.
 *
 * <ul>
 *   <li><b>MessageGroupId</b> = the message's partition key: the header {@code Omnibus-Partition-Key}
 *       when the producer set a key other than the correlation id, else {@code CorrelationId}, else
 *       {@code MessageId} (a message with neither key nor correlation id is a group of its own, so it
 *       orders against nothing and never blocks another message).</li>
 *   <li><b>MessageDeduplicationId</b> = {@code MessageId}, so SQS drops a second send of the same
 *       message within its 5-minute window; a delayed redelivery's copy (which keeps the message id)
 *       gets {@code <MessageId>-r<MT-Redelivery-Count>}, so it is not dropped as a duplicate of its
 *       original. A message without a message id gets a random one (no deduplication).</li>
 * </ul>
 *
 * SQS allows 1 to 128 characters of {@code !} to {@code ~} in both; an id outside that is replaced
 * by {@code sha256-} and the first 64 hex digits of its SHA-256, so equal keys still map to equal
 * groups. Pure functions; thread-safe.
 */
final class FifoIds {
    static final String REDELIVERY_COUNT = "MT-Redelivery-Count";
    private static final Pattern VALID = Pattern.compile("[!-~]{1,128}");

    /** A message group id and a deduplication id. */
    record Ids(String groupId, String deduplicationId) {
    }

    private FifoIds() {
    }

    static Ids of(Headers headers) {
        return new Ids(groupId(headers), deduplicationId(headers));
    }

    static String groupId(Headers headers) {
        Object key = headers.get(OutgoingMessage.PARTITION_KEY);
        if (key == null) {
            key = headers.get(OutgoingMessage.CORRELATION_ID);
        }
        if (key == null) {
            key = headers.get(OutgoingMessage.MESSAGE_ID);
        }
        return key == null ? UUID.randomUUID().toString() : valid(key.toString());
    }

    static String deduplicationId(Headers headers) {
        Object id = headers.get(OutgoingMessage.MESSAGE_ID);
        if (id == null) {
            return UUID.randomUUID().toString();
        }
        Object redelivery = headers.get(REDELIVERY_COUNT);
        return valid(redelivery == null ? id.toString() : id + "-r" + redelivery);
    }

    static String valid(String id) {
        if (VALID.matcher(id).matches()) {
            return id;
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
