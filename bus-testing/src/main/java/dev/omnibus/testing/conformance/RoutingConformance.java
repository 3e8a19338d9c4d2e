package dev.omnibus.testing.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.MessageConsumer;
import dev.omnibus.SendOptions;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.conformance.TransportConformanceKit.FanOut;
import dev.omnibus.testing.conformance.TransportConformanceKit.FanOutEvent;
import dev.omnibus.testing.conformance.TransportConformanceKit.FollowUp;
import dev.omnibus.testing.conformance.TransportConformanceKit.Marker;
import dev.omnibus.testing.conformance.TransportConformanceKit.Numbered;
import dev.omnibus.testing.conformance.TransportConformanceKit.Order;
import dev.omnibus.testing.conformance.TransportConformanceKit.Sequenced;
import dev.omnibus.testing.conformance.TransportConformanceKit.Start;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Conformance tests of where messages go: publish fans out to every consuming endpoint, consumers
 * on one endpoint compete, send is point to point, headers and correlation flow to produced
 * messages, the W3C trace context ({@code traceparent}) travels with a message and on to what its
 * consumer produces, and order is kept per partition key. Part of {@link TransportConformanceKit}, which
 * implements this interface; JUnit runs its default {@code @Test} methods on every kit subclass.
 */
interface RoutingConformance {
    // ------------------------------------------------------------------------------------------
    // 2. Publish fans out; consumers on one endpoint compete

    @Test
    default void publishReachesEveryEndpointThatConsumesTheTypeOrAnInterface() {
        KitContext kit = KitContext.of(this);
        String first = kit.endpoint("fan-a");
        String second = kit.endpoint("fan-b");
        String byInterface = kit.endpoint("fan-i");
        Seen<UUID> fanOuts = new Seen<>();
        Seen<UUID> markers = new Seen<>();
        UUID id = UUID.randomUUID();
        UUID marker = UUID.randomUUID();
        try (Bus bus = kit.newBus()
                .receiveEndpoint(first, e -> e
                        .consumer(FanOut.class, ctx -> fanOuts.add(ctx.endpoint(), ctx.message().id()))
                        .consumer(Marker.class, ctx -> markers.add(ctx.endpoint(), ctx.message().id())))
                .receiveEndpoint(second, e -> e
                        .consumer(FanOut.class, ctx -> fanOuts.add(ctx.endpoint(), ctx.message().id()))
                        .consumer(Marker.class, ctx -> markers.add(ctx.endpoint(), ctx.message().id())))
                .receiveEndpoint(byInterface, e -> e
                        .consumer(FanOutEvent.class, ctx -> fanOuts.add(ctx.endpoint(), ctx.message().id()))
                        .consumer(Marker.class, ctx -> markers.add(ctx.endpoint(), ctx.message().id())))
                .start()) {
            kit.confirmed(bus.publish(new FanOut(id)));
            kit.confirmed(bus.publish(new Marker(marker)));

            kit.await().until("the marker published after the message reaches all three endpoints",
                    () -> List.of(markers.at(first), markers.at(second), markers.at(byInterface)),
                    seen -> seen.stream().allMatch(l -> l.contains(marker)));
            for (String endpoint : List.of(first, second, byInterface)) {
                assertThat(fanOuts.at(endpoint)).as("copies of the published message consumed at endpoint %s", endpoint)
                        .filteredOn(id::equals).hasSize(1);
            }
        }
    }

    @Test
    default void competingConsumersOnOneEndpointEachMessageOnce() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("compete");
        int count = 200;
        UUID batch = UUID.randomUUID();
        Map<Integer, AtomicInteger> consumptions = new ConcurrentHashMap<>();
        AtomicInteger byFirst = new AtomicInteger();
        AtomicInteger bySecond = new AtomicInteger();
        CountDownLatch bothBusy = new CountDownLatch(2);
        Duration meetWithin = kit.timeout().dividedBy(2);
        try (Bus first = kit.newBus()
                .receiveEndpoint(queue, e -> e.consumer(Numbered.class,
                        competitor(batch, byFirst, bothBusy, meetWithin, consumptions)))
                .start();
             Bus second = kit.newBus()
                .receiveEndpoint(queue, e -> e.consumer(Numbered.class,
                        competitor(batch, bySecond, bothBusy, meetWithin, consumptions)))
                .start()) {
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int n = 0; n < count; n++) {
                published.add(first.publish(new Numbered(batch, n)));
            }
            kit.confirmed(published);
            kit.await().until(count + " distinct messages consumed across both buses", consumptions::size, s -> s >= count);
            first.stop(); // in-flight deliveries finish: a duplicate on its way would be counted now
            second.stop();

            assertThat(consumptions.keySet()).as("numbers consumed").containsExactlyInAnyOrderElementsOf(
                    IntStream.range(0, count).boxed().toList());
            assertThat(consumptions.entrySet().stream()
                    .filter(en -> en.getValue().get() != 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, en -> en.getValue().get())))
                    .as("numbers consumed more than once (number -> times)").isEmpty();
            assertThat(byFirst.get()).as("messages consumed by the first bus (consumers on one queue compete)").isPositive();
            assertThat(bySecond.get()).as("messages consumed by the second bus (consumers on one queue compete)").isPositive();
        }
    }

    /** A consumer that counts, and on its first message waits a while for the other bus's first message. */
    private static MessageConsumer<Numbered> competitor(UUID batch, AtomicInteger mine, CountDownLatch bothBusy,
            Duration meetWithin, Map<Integer, AtomicInteger> consumptions) {
        return ctx -> {
            if (!batch.equals(ctx.message().batch())) {
                return;
            }
            consumptions.computeIfAbsent(ctx.message().n(), k -> new AtomicInteger()).incrementAndGet();
            if (mine.getAndIncrement() == 0) {
                // hold this bus's first message until the other bus has one too, so that one fast bus
                // cannot drain the queue alone; if the other never gets one, the final check says so
                bothBusy.countDown();
                bothBusy.await(meetWithin.toMillis(), TimeUnit.MILLISECONDS);
            }
        };
    }

    // ------------------------------------------------------------------------------------------
    // 3. Send is point to point

    @Test
    default void sendReachesOnlyTheAddressedEndpoint() {
        KitContext kit = KitContext.of(this);
        String addressed = kit.endpoint("send-to");
        String other = kit.endpoint("send-other");
        Seen<UUID> orders = new Seen<>();
        Seen<UUID> markers = new Seen<>();
        UUID id = UUID.randomUUID();
        try (Bus bus = kit.newBus()
                .receiveEndpoint(addressed, e -> e
                        .consumer(Order.class, ctx -> orders.add(ctx.endpoint(), ctx.message().id()))
                        .consumer(Marker.class, ctx -> markers.add(ctx.endpoint(), ctx.message().id())))
                .receiveEndpoint(other, e -> e
                        .consumer(Order.class, ctx -> orders.add(ctx.endpoint(), ctx.message().id()))
                        .consumer(Marker.class, ctx -> markers.add(ctx.endpoint(), ctx.message().id())))
                .start()) {
            kit.confirmed(bus.send(Address.queue(addressed), new Order(id)));
            UUID marker = UUID.randomUUID();
            kit.confirmed(bus.send(Address.queue(addressed), new Marker(marker)));
            kit.confirmed(bus.send(Address.queue(other), new Marker(marker)));

            kit.await().until("markers sent after the message reach both endpoints",
                    () -> List.of(markers.at(addressed), markers.at(other)),
                    seen -> seen.stream().allMatch(l -> l.contains(marker)));
            assertThat(orders.at(addressed)).as("copies consumed at the addressed endpoint").filteredOn(id::equals).hasSize(1);
            assertThat(orders.at(other)).as("copies consumed at an endpoint the message was not sent to")
                    .filteredOn(id::equals).isEmpty();
        }
    }


    // ------------------------------------------------------------------------------------------
    // 9. Headers flow

    @Test
    default void headersAndCorrelationFlowToProducedMessages() {
        KitContext kit = KitContext.of(this);
        String starts = kit.endpoint("flow-start");
        String followUps = kit.endpoint("flow-next");
        UUID id = UUID.randomUUID();
        UUID correlationId = UUID.randomUUID();
        UUID messageId = UUID.randomUUID();
        AtomicReference<Envelope> startEnvelope = new AtomicReference<>();
        AtomicReference<Envelope> followUpEnvelope = new AtomicReference<>();
        try (Bus bus = kit.newBus()
                .receiveEndpoint(starts, e -> e.consumer(Start.class, ctx -> {
                    if (ctx.message().id().equals(id)) {
                        startEnvelope.set(ctx.envelope());
                        ctx.publish(new FollowUp(id));
                    }
                }))
                .receiveEndpoint(followUps, e -> e.consumer(FollowUp.class, ctx -> {
                    if (ctx.message().id().equals(id)) {
                        followUpEnvelope.set(ctx.envelope());
                    }
                }))
                .start()) {
            kit.confirmed(bus.publish(new Start(id), SendOptions.defaults()
                    .withMessageId(messageId)
                    .withCorrelationId(correlationId)
                    .withHeader("X-Conformance-Tenant", "acme")));

            Envelope next = kit.await().until("the follow-up message is consumed", followUpEnvelope::get, env -> env != null);
            Envelope first = startEnvelope.get();
            assertThat(first.messageId()).as("messageId of the first message").isEqualTo(messageId);
            assertThat(first.correlationId()).as("correlationId of the first message").isEqualTo(correlationId);
            assertThat(first.headers().getString("X-Conformance-Tenant")).as("custom header of the first message")
                    .contains("acme");
            assertThat(first.conversationId()).as("conversationId of the first message").isNotNull();
            // MassTransit does not carry the consumed correlationId onto a consumer's publish or send
            // (TransferConsumeContextHeaders copies conversation and initiator); responses and faults do
            assertThat(next.correlationId()).as("correlationId of the follow-up").isNull();
            assertThat(next.conversationId()).as("conversationId of the follow-up").isEqualTo(first.conversationId());
            // MassTransit: the consumed message's correlationId, else its requestId
            // (SendContextExtensions.TransferConsumeContextHeaders)
            assertThat(next.initiatorId()).as("initiatorId of the follow-up").isEqualTo(correlationId);
            assertThat(next.headers().getString("X-Conformance-Tenant")).as("custom header of the follow-up")
                    .contains("acme");
        }
    }


    @Test
    default void traceContextAndApplicationHeadersTravelToWhatTheConsumerProduces() {
        KitContext kit = KitContext.of(this);
        String starts = kit.endpoint("trace-start");
        String followUps = kit.endpoint("trace-next");
        UUID id = UUID.randomUUID();
        String traceId = hex(UUID.randomUUID());
        String traceparent = "00-" + traceId + "-" + traceId.substring(0, 16) + "-01";
        AtomicReference<Envelope> startEnvelope = new AtomicReference<>();
        AtomicReference<Envelope> followUpEnvelope = new AtomicReference<>();
        // the API's propagator without an SDK: the bus's own spans carry the incoming context forward
        OpenTelemetry w3c = OpenTelemetry.propagating(ContextPropagators.create(W3CTraceContextPropagator.getInstance()));
        try (Bus bus = kit.newBus()
                .openTelemetry(w3c)
                .receiveEndpoint(starts, e -> e.consumer(Start.class, ctx -> {
                    if (ctx.message().id().equals(id)) {
                        startEnvelope.set(ctx.envelope());
                        ctx.publish(new FollowUp(id));
                    }
                }))
                .receiveEndpoint(followUps, e -> e.consumer(FollowUp.class, ctx -> {
                    if (ctx.message().id().equals(id)) {
                        followUpEnvelope.set(ctx.envelope());
                    }
                }))
                .start()) {
            kit.confirmed(bus.publish(new Start(id), SendOptions.defaults()
                    .withHeader("traceparent", traceparent)
                    .withHeader("X-Conformance-Tenant", "acme")));

            Envelope next = kit.await().until("the follow-up message is consumed", followUpEnvelope::get, env -> env != null);
            Envelope first = startEnvelope.get();
            assertThat(first.headers().getString("traceparent")).as("traceparent of the consumed message").contains(traceparent);
            assertThat(first.headers().getString("X-Conformance-Tenant")).as("application header of the consumed message")
                    .contains("acme");
            String produced = next.headers().getString("traceparent").orElse(null);
            assertThat(produced).as("traceparent of the message the consumer produced").isNotNull()
                    .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
            assertThat(produced.substring(3, 35)).as("trace id of the produced message (the consumed message's trace)")
                    .isEqualTo(traceId);
            assertThat(next.headers().getString("X-Conformance-Tenant")).as("application header of the produced message")
                    .contains("acme");
        }
    }

    private static String hex(UUID u) {
        return String.format("%016x%016x", u.getMostSignificantBits(), u.getLeastSignificantBits());
    }


    // ------------------------------------------------------------------------------------------
    // 7. Order per partition key

    @Test
    default void orderIsKeptPerPartitionKey() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("ordered");
        int keys = 5;
        int perKey = 50;
        List<UUID> correlationIds = IntStream.range(0, keys).mapToObj(i -> UUID.randomUUID()).toList();
        Map<UUID, List<Integer>> seen = new ConcurrentHashMap<>();
        AtomicInteger total = new AtomicInteger();
        Transport transport = kit.newTransport();
        if (!transport.capabilities().orderedByKey()) {
            transport.close();
            abort("the transport does not keep order per partition key (TransportCapabilities.orderedByKey is false)");
        }
        try (Bus bus = kit.newBus(transport)
                .receiveEndpoint(queue, e -> e.concurrency(8).consumer(Sequenced.class, ctx -> {
                    List<Integer> sequence = seen.get(ctx.message().key());
                    if (sequence != null) {
                        sequence.add(ctx.message().seq());
                        total.incrementAndGet();
                    }
                }))
                .start()) {
            correlationIds.forEach(k -> seen.put(k, Collections.synchronizedList(new ArrayList<>())));
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int seq = 0; seq < perKey; seq++) { // one producer thread, keys interleaved, no waits in between
                for (UUID key : correlationIds) {
                    published.add(bus.publish(new Sequenced(key, seq), SendOptions.defaults().withCorrelationId(key)));
                }
            }
            kit.confirmed(published);
            kit.await().until(keys * perKey + " messages consumed", total::get, n -> n >= keys * perKey);

            List<Integer> expected = IntStream.range(0, perKey).boxed().toList();
            for (UUID key : correlationIds) {
                assertThat(List.copyOf(seen.get(key))).as("sequence numbers consumed for correlationId %s, in order", key)
                        .containsExactlyElementsOf(expected);
            }
        }
    }
}
