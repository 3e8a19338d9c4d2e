package dev.omnibus.sqs;

import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A receive loop's handler in front of the bus's: a delivery that carries a claim check
 * ({@link ClaimCheck#HEADER}) is handed on only once its body is fetched from S3, as a delivery
 * whose body is the stored one and whose acknowledgement deletes the object of a sent message; any
 * other delivery passes through untouched.
 *
 * <p>A reference outside the configured bucket and key prefix, a claim check on a transport without
 * one, a missing object or one over the size limit: the message goes to {@code _error} with the
 * reason ({@code MT-Reason}), unread. Any other fetch failure makes it visible again after
 * {@value #RETRY_SECONDS} s (logged), so an S3 outage loses nothing. The fetch runs on the S3
 * client's threads; deliveries are handed on from there. Thread-safe.
 */
final class ClaimedDeliveries implements DeliveryHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ClaimedDeliveries.class);
    static final int RETRY_SECONDS = 5;

    private final ClaimCheck claims;
    private final DeliveryHandler next;

    /** @param claims the transport's claim check, or null when none is configured */
    ClaimedDeliveries(ClaimCheck claims, DeliveryHandler next) {
        this.claims = claims;
        this.next = next;
    }

    @Override
    public void onDelivery(Delivery delivery) {
        Object reference = delivery.headers().get(ClaimCheck.HEADER);
        if (reference == null) {
            next.onDelivery(delivery);
        } else {
            claim(delivery, reference.toString());
        }
    }

    @Override
    public void onDeliveries(List<Delivery> deliveries) {
        List<Delivery> plain = new ArrayList<>(deliveries.size());
        for (Delivery d : deliveries) {
            Object reference = d.headers().get(ClaimCheck.HEADER);
            if (reference == null) {
                plain.add(d);
            } else {
                claim(d, reference.toString());
            }
        }
        if (!plain.isEmpty()) {
            next.onDeliveries(plain);
        }
    }

    @Override
    public void onRevoked(String scope) {
        next.onRevoked(scope);
    }

    private void claim(Delivery d, String reference) {
        String key = claims == null ? null : claims.keyOf(reference);
        if (key == null) {
            reject(d, claims == null ? "the message's body is in S3 (" + reference + "), but this transport has no claim "
                    + "check: configure SqsTransportBuilder.claimCheck(bucket)" : "the claim check " + reference
                    + " is not in this transport's bucket and key prefix: not fetched");
            return;
        }
        claims.fetch(key).whenComplete((body, e) -> {
            if (e == null) {
                next.onDelivery(new Claimed(d, body, without(d.headers()), claims.deletedOnAck(key) ? key : null));
            } else if (Queues.cause(e) instanceof TransportException t && !t.isRetryable()) {
                reject(d, t.getMessage());
            } else {
                LOG.warn("Fetching the claim-checked body of {} failed; it comes back in {} s: {}", d, RETRY_SECONDS,
                        Queues.cause(e).toString());
                d.requeue(Duration.ofSeconds(RETRY_SECONDS));
            }
        });
    }

    private static void reject(Delivery d, String reason) {
        LOG.warn("{} goes to the error queue: {}", d, reason);
        d.deadLetter(Delivery.DeadLetterQueue.ERROR, Headers.of("MT-Reason", reason)).whenComplete((v, e) -> {
            if (e != null) {
                LOG.warn("Moving {} to the error queue failed; it comes back: {}", d, e.toString());
            }
        });
    }

    private static Headers without(Headers headers) {
        Map<String, Object> rest = new LinkedHashMap<>(headers.asMap());
        rest.remove(ClaimCheck.HEADER);
        return Headers.of(rest);
    }

    /** The delivery with its fetched body; ack deletes the object of a sent message. */
    private final class Claimed implements Delivery {
        private final Delivery d;
        private final byte[] body;
        private final Headers headers;
        private final String deleteOnAck;

        Claimed(Delivery d, byte[] body, Headers headers, String deleteOnAck) {
            this.d = d;
            this.body = body;
            this.headers = headers;
            this.deleteOnAck = deleteOnAck;
        }

        @Override
        public byte[] body() {
            return body;
        }

        @Override
        public Headers headers() {
            return headers;
        }

        @Override
        public String queue() {
            return d.queue();
        }

        @Override
        public int deliveryCount() {
            return d.deliveryCount();
        }

        @Override
        public String orderingKey() {
            return d.orderingKey();
        }

        @Override
        public String scope() {
            return d.scope();
        }

        @Override
        public boolean isValid() {
            return d.isValid();
        }

        @Override
        public CompletionStage<Void> ack() {
            boolean settles = d.isValid(); // else the ack does nothing and the message comes again: keep the body
            CompletionStage<Void> acked = d.ack();
            if (deleteOnAck == null || !settles) {
                return acked;
            }
            return acked.thenCompose(v -> claims.delete(deleteOnAck).handle((x, e) -> {
                if (e != null) {
                    LOG.warn("Deleting the claim-checked body {} after its message was acknowledged failed (the bucket's "
                            + "lifecycle rule removes it): {}", deleteOnAck, Queues.cause(e).toString());
                }
                return null;
            }));
        }

        @Override
        public CompletionStage<Void> requeue() {
            return d.requeue();
        }

        @Override
        public boolean requeueKeepsOrder() {
            return d.requeueKeepsOrder();
        }

        @Override
        public CompletionStage<Void> requeue(Duration delay) {
            return d.requeue(delay);
        }

        @Override
        public CompletionStage<Void> extendLease(Duration extension) {
            return d.extendLease(extension);
        }

        /** The original message (its claim check included) goes: the object stays for the copy. */
        @Override
        public CompletionStage<Void> deadLetter(DeadLetterQueue queue, Headers extraHeaders) {
            return d.deadLetter(queue, extraHeaders);
        }

        @Override
        public String toString() {
            return d + "[claim-checked]";
        }
    }
}
