package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.json.JsonEnvelopeSerializer;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.SerializedMessage;
import dev.omnibus.spi.Serializer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The in-memory transport's by-reference option: the same instance, no serializer, the same guarantees. */
class ByReferenceTest {
    record Order(String id, List<String> lines) {
    }

    record Quote(String id) {
    }

    record Price(String id, int cents) {
    }

    /** A serializer that counts its calls and delegates to the JSON envelope. */
    static final class CountingSerializer implements Serializer {
        final Serializer inner = JsonEnvelopeSerializer.create();
        final AtomicInteger serialized = new AtomicInteger();
        final AtomicInteger deserialized = new AtomicInteger();

        @Override
        public String contentType() {
            return inner.contentType();
        }

        @Override
        public SerializedMessage serialize(Envelope envelope, Object message) {
            serialized.incrementAndGet();
            return inner.serialize(envelope, message);
        }

        @Override
        public DecodedMessage deserialize(byte[] body, Headers transportHeaders) {
            deserialized.incrementAndGet();
            return inner.deserialize(body, transportHeaders);
        }
    }

    private static InMemoryTransport byReference() {
        return InMemoryTransport.builder().byReference(true).build();
    }

    @Test
    void consumerReceivesTheInstanceThatWasPublished() throws Exception {
        Order order = new Order("o-1", List.of("a", "b"));
        CompletableFuture<Order> got = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(byReference())
                .receiveEndpoint("orders", e -> e.consumer(Order.class, ctx -> got.complete(ctx.message())))
                .start()) {
            bus.publish(order).get(5, TimeUnit.SECONDS);
            assertThat(got.get(10, TimeUnit.SECONDS)).isSameAs(order);
        }
    }

    @Test
    void serializingStaysTheDefault() throws Exception {
        Order order = new Order("o-1", List.of("a"));
        CompletableFuture<Order> got = new CompletableFuture<>();
        CountingSerializer counting = new CountingSerializer();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .serializer(counting)
                .receiveEndpoint("orders", e -> e.consumer(Order.class, ctx -> got.complete(ctx.message())))
                .start()) {
            bus.publish(order).get(5, TimeUnit.SECONDS);
            assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(order).isNotSameAs(order);
            assertThat(counting.serialized.get()).isEqualTo(1);
            assertThat(counting.deserialized.get()).isEqualTo(1);
        }
    }

    @Test
    void nothingIsSerializedByReferenceNotEvenARequestAndItsResponse() throws Exception {
        CountingSerializer counting = new CountingSerializer();
        CompletableFuture<Order> got = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(byReference())
                .serializer(counting)
                .receiveEndpoint("orders", e -> e.consumer(Order.class, ctx -> got.complete(ctx.message())))
                .receiveEndpoint("prices", e -> e.consumer(Quote.class, ctx -> ctx.respond(new Price(ctx.message().id(), 42))))
                .start()) {
            bus.publish(new Order("o-2", List.of())).get(5, TimeUnit.SECONDS);
            got.get(10, TimeUnit.SECONDS);
            Price price = bus.request(new Quote("q-1"), Price.class, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
            assertThat(price).isEqualTo(new Price("q-1", 42));
            assertThat(counting.serialized.get()).as("serialize calls").isZero();
            assertThat(counting.deserialized.get()).as("deserialize calls").isZero();
        }
    }

    @Test
    void aFailedMessageByReferenceStillReachesTheErrorQueue() throws Exception {
        InMemoryTransport transport = byReference();
        try (Bus bus = Bus.builder()
                .transport(transport)
                .receiveEndpoint("orders", e -> e.consumer(Order.class, ctx -> {
                    throw new IllegalStateException("no");
                }))
                .start()) {
            bus.publish(new Order("o-3", List.of())).get(5, TimeUnit.SECONDS);
            Waits.until("the order in orders_error", Duration.ofSeconds(10),
                    () -> transport.broker().depth("orders_error") == 1);
        }
    }

    @Test
    void aDeadLetteredMessageByReferenceHasTheSerializersBytesAndFaultHeaders() throws Exception {
        InMemoryTransport transport = byReference();
        Order order = new Order("o-5", List.of("x"));
        CompletableFuture<Envelope> consumed = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(transport)
                .receiveEndpoint("orders", e -> e.consumer(Order.class, ctx -> {
                    consumed.complete(ctx.envelope());
                    throw new IllegalStateException("no");
                }))
                .start()) {
            bus.publish(order).get(5, TimeUnit.SECONDS);
            Envelope seen = consumed.get(10, TimeUnit.SECONDS);
            CompletableFuture<dev.omnibus.spi.Delivery> dead = new CompletableFuture<>();
            InMemoryTransport reader = InMemoryTransport.connect(transport.broker());
            reader.receive("orders_error", new dev.omnibus.spi.ReceiveSettings(1), d -> {
                dead.complete(d);
                d.ack();
            });
            dev.omnibus.spi.Delivery d = dead.get(10, TimeUnit.SECONDS);
            reader.close();
            assertThat(d.reference()).as("a dead letter is an ordinary message").isNull();
            assertThat(d.body()).isNotEmpty();
            assertThat(d.headers().get("MT-Fault-ExceptionType")).isEqualTo(IllegalStateException.class.getName());
            assertThat(d.headers().get(dev.omnibus.spi.OutgoingMessage.MESSAGE_ID)).isEqualTo(seen.messageId().toString());
            DecodedMessage read = JsonEnvelopeSerializer.create().deserialize(d.body(), d.headers());
            assertThat(read.message(Order.class)).isEqualTo(order);
            assertThat(read.envelope().messageId()).isEqualTo(seen.messageId());
            assertThat(read.envelope().conversationId()).isEqualTo(seen.conversationId());
        }
    }

    @Test
    void aProducerIntoAnOutboundWritesBytesEvenByReference() {
        List<dev.omnibus.spi.OutgoingMessage> out = new java.util.ArrayList<>();
        try (Bus bus = Bus.builder().transport(byReference()).start()) {
            bus.producer(new dev.omnibus.spi.Outbound() {
                @Override
                public void publish(MessageType type, dev.omnibus.spi.OutgoingMessage message) {
                    out.add(message);
                }

                @Override
                public void send(Address destination, dev.omnibus.spi.OutgoingMessage message) {
                    out.add(message);
                }

                @Override
                public void schedule(java.time.Instant due, Address destination, dev.omnibus.spi.OutgoingMessage message) {
                    out.add(message);
                }
            }).publish(new Order("o-6", List.of()));
        }
        assertThat(out).hasSize(1);
        assertThat(out.get(0).reference()).isNull();
        assertThat(JsonEnvelopeSerializer.create().deserialize(out.get(0).body(), out.get(0).headers()).message(Order.class))
                .isEqualTo(new Order("o-6", List.of()));
    }

    @Test
    void everyEndpointOfAFannedOutMessageSeesOneEnvelope() throws Exception {
        CompletableFuture<Envelope> a = new CompletableFuture<>();
        CompletableFuture<Envelope> b = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(byReference())
                .receiveEndpoint("a", e -> e.consumer(Order.class, ctx -> a.complete(ctx.envelope())))
                .receiveEndpoint("b", e -> e.consumer(Order.class, ctx -> b.complete(ctx.envelope())))
                .start()) {
            bus.publish(new Order("o-7", List.of()), SendOptions.defaults().withTimeToLive(Duration.ofMinutes(1)))
                    .get(5, TimeUnit.SECONDS);
            Envelope ea = a.get(10, TimeUnit.SECONDS);
            assertThat(b.get(10, TimeUnit.SECONDS)).isSameAs(ea);
            assertThat(ea.conversationId()).isNotNull();
            assertThat(ea.sentTime().getNano() % 1000).as("sent time in whole microseconds").isZero();
            assertThat(ea.expirationTime()).isEqualTo(ea.sentTime().plus(Duration.ofMinutes(1)));
        }
    }

    @Test
    void anSdkStillTracesMessagesPassedByReference() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
        OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        CompletableFuture<Headers> headers = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(byReference())
                .openTelemetry(otel)
                .receiveEndpoint("orders", e -> e.consumer(Order.class, ctx -> headers.complete(ctx.headers())))
                .start()) {
            bus.publish(new Order("o-4", List.of())).get(5, TimeUnit.SECONDS);
            assertThat(headers.get(10, TimeUnit.SECONDS).get("traceparent")).isNotNull();
            Waits.until("two spans", Duration.ofSeconds(10), () -> spans.getFinishedSpanItems().size() >= 2,
                    spans::getFinishedSpanItems);
            List<SpanData> all = spans.getFinishedSpanItems();
            SpanData producer = all.stream().filter(s -> s.getKind() == SpanKind.PRODUCER).findFirst().orElseThrow();
            SpanData consumer = all.stream().filter(s -> s.getKind() == SpanKind.CONSUMER).findFirst().orElseThrow();
            assertThat(consumer.getParentSpanId()).isEqualTo(producer.getSpanId());
        } finally {
            provider.close();
        }
    }
}
