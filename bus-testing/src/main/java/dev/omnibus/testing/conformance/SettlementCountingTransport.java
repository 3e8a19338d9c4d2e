package dev.omnibus.testing.conformance;

import dev.omnibus.Headers;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.ForwardingTransport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A transport that passes every call to another one and counts, per queue, the deliveries handed
 * to the bus and not yet settled, and the most there ever were: what the bus sees of the
 * transport's prefetch window. A delivery counts as settled when the bus calls a settling method,
 * before the call reaches the transport (which may then hand over the next one at once), so the
 * count never runs ahead of the transport's own. Thread-safe.
 */
final class SettlementCountingTransport extends ForwardingTransport {
    private final Map<String, AtomicInteger> unsettled = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> most = new ConcurrentHashMap<>();

    SettlementCountingTransport(Transport delegate) {
        super(delegate);
    }

    /** Deliveries of {@code queue} handed over and not settled now. */
    int unsettled(String queue) {
        return counter(unsettled, queue).get();
    }

    /** The most deliveries of {@code queue} ever unsettled at once. */
    int mostUnsettled(String queue) {
        return counter(most, queue).get();
    }

    private static AtomicInteger counter(Map<String, AtomicInteger> map, String queue) {
        return map.computeIfAbsent(queue, q -> new AtomicInteger());
    }

    @Override
    public ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler) {
        AtomicInteger now = counter(unsettled, queue);
        AtomicInteger max = counter(most, queue);
        return super.receive(queue, settings, new DeliveryHandler() {
            @Override
            public void onDelivery(Delivery delivery) {
                max.accumulateAndGet(now.incrementAndGet(), Math::max);
                handler.onDelivery(new Counted(delivery, now));
            }

            @Override
            public void onDeliveries(List<Delivery> deliveries) {
                for (Delivery d : deliveries) {
                    onDelivery(d);
                }
            }

            @Override
            public void onRevoked(String scope) {
                handler.onRevoked(scope);
            }
        });
    }

    /** A delivery that takes itself off the count when first settled. */
    private static final class Counted implements Delivery {
        private final Delivery d;
        private final AtomicInteger count;
        private final AtomicBoolean settled = new AtomicBoolean();

        Counted(Delivery d, AtomicInteger count) {
            this.d = d;
            this.count = count;
        }

        private void settling() {
            if (settled.compareAndSet(false, true)) {
                count.decrementAndGet();
            }
        }

        @Override
        public byte[] body() {
            return d.body();
        }

        @Override
        public DecodedMessage reference() {
            return d.reference();
        }

        @Override
        public Headers headers() {
            return d.headers();
        }

        @Override
        public String queue() {
            return d.queue();
        }

        @Override
        public String orderingKey() {
            return d.orderingKey();
        }

        @Override
        public int deliveryCount() {
            return d.deliveryCount();
        }

        @Override
        public boolean redelivered() {
            return d.redelivered();
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
            settling();
            return d.ack();
        }

        @Override
        public CompletionStage<Void> requeue() {
            settling();
            return d.requeue();
        }

        @Override
        public CompletionStage<Void> requeue(Duration delay) {
            settling();
            return d.requeue(delay);
        }

        @Override
        public CompletionStage<Void> extendLease(Duration extension) {
            return d.extendLease(extension);
        }

        @Override
        public CompletionStage<Void> deadLetter(DeadLetterQueue queue, Headers extraHeaders) {
            settling();
            return d.deadLetter(queue, extraHeaders);
        }
    }
}
