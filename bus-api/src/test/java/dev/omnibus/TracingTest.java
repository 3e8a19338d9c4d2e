package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryTransport;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TracingTest {
    record First(int n) {
    }

    record Second(int n) {
    }

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final SdkTracerProvider tracerProvider =
            SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(tracerProvider)
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();

    @AfterEach
    void close() {
        tracerProvider.close();
    }

    private List<SpanData> waitForSpans(int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (spans.getFinishedSpanItems().size() < count) {
            assertThat(System.nanoTime()).as("%d spans within 10 s, have %s", count, spans.getFinishedSpanItems())
                    .isLessThan(deadline);
            Thread.onSpinWait();
        }
        return spans.getFinishedSpanItems();
    }

    private static SpanData find(List<SpanData> all, Predicate<SpanData> p) {
        return all.stream().filter(p).findFirst().orElseThrow(() -> new AssertionError("no such span in " + all));
    }

    @Test
    void aFlowIsOneTraceWithProducerAndConsumerSpansChained() throws Exception {
        CompletableFuture<Headers> secondHeaders = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .openTelemetry(otel)
                .receiveEndpoint("first", e -> e.consumer(First.class, ctx -> ctx.publish(new Second(ctx.message().n()))))
                .receiveEndpoint("second", e -> e.consumer(Second.class, ctx -> secondHeaders.complete(ctx.headers())))
                .start()) {
            bus.publish(new First(1)).get(5, TimeUnit.SECONDS);
            assertThat(secondHeaders.get(10, TimeUnit.SECONDS).get("traceparent")).isNotNull();
            List<SpanData> all = waitForSpans(4);
            SpanData publishFirst = find(all, s -> s.getKind() == SpanKind.PRODUCER && s.getName().contains("First"));
            SpanData processFirst = find(all, s -> s.getName().equals("process first"));
            SpanData publishSecond = find(all, s -> s.getKind() == SpanKind.PRODUCER && s.getName().contains("Second"));
            SpanData processSecond = find(all, s -> s.getName().equals("process second"));
            assertThat(all).extracting(SpanData::getTraceId).containsOnly(publishFirst.getTraceId());
            assertThat(processFirst.getParentSpanId()).isEqualTo(publishFirst.getSpanId());
            assertThat(publishSecond.getParentSpanId()).isEqualTo(processFirst.getSpanId());
            assertThat(processSecond.getParentSpanId()).isEqualTo(publishSecond.getSpanId());
            assertThat(processFirst.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(processFirst.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("loopback");
            assertThat(processFirst.getAttributes().get(AttributeKey.stringKey("messaging.message.id"))).isNotBlank();
        }
    }

    @Test
    void aFailedConsumerMarksItsSpanAsAnError() throws Exception {
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .openTelemetry(otel)
                .receiveEndpoint("failing", e -> e.consumer(First.class, ctx -> {
                    throw new IllegalStateException("boom");
                }))
                .start()) {
            bus.publish(new First(1)).get(5, TimeUnit.SECONDS);
            List<SpanData> all = waitForSpans(3); // publish First, process failing, publish Fault<First>
            SpanData process = find(all, s -> s.getName().equals("process failing"));
            assertThat(process.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(process.getEvents()).anyMatch(ev -> ev.getName().equals("exception"));
            SpanData fault = find(all, s -> s.getKind() == SpanKind.PRODUCER && s.getName().contains("Fault"));
            assertThat(fault.getParentSpanId()).isEqualTo(process.getSpanId());
        }
    }

    @Test
    void withoutAnSdkIncomingTraceHeadersStillFlowToProducedMessages() throws Exception {
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        CompletableFuture<Headers> secondHeaders = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .openTelemetry(io.opentelemetry.api.OpenTelemetry.noop())
                .receiveEndpoint("first", e -> e.consumer(First.class, ctx -> ctx.publish(new Second(1))))
                .receiveEndpoint("second", e -> e.consumer(Second.class, ctx -> secondHeaders.complete(ctx.headers())))
                .start()) {
            bus.publish(new First(1), SendOptions.defaults().withHeader("traceparent", traceparent)).get(5, TimeUnit.SECONDS);
            assertThat(secondHeaders.get(10, TimeUnit.SECONDS).get("traceparent")).isEqualTo(traceparent);
        }
    }
}
