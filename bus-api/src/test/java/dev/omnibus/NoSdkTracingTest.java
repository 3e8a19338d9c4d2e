package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryTransport;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * With no OpenTelemetry SDK (a no-op tracer) the bus does no tracing work: after the one probe at
 * build it builds no span and neither injects nor extracts a context. The OpenTelemetry here is the
 * no-op one with every entry point counted.
 */
class NoSdkTracingTest {
    record Ping(int n) {
    }

    final AtomicInteger spanBuilders = new AtomicInteger();
    final AtomicInteger propagations = new AtomicInteger();

    final OpenTelemetry countingNoop = new OpenTelemetry() {
        @Override
        public TracerProvider getTracerProvider() {
            return new TracerProvider() {
                @Override
                public Tracer get(String name) {
                    return countingTracer(TracerProvider.noop().get(name));
                }

                @Override
                public Tracer get(String name, String version) {
                    return countingTracer(TracerProvider.noop().get(name, version));
                }
            };
        }

        @Override
        public Tracer getTracer(String name, String version) {
            return getTracerProvider().get(name, version);
        }

        @Override
        public ContextPropagators getPropagators() {
            return ContextPropagators.create(new TextMapPropagator() {
                @Override
                public Collection<String> fields() {
                    return List.of();
                }

                @Override
                public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
                    propagations.incrementAndGet();
                }

                @Override
                public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
                    propagations.incrementAndGet();
                    return context;
                }
            });
        }
    };

    private Tracer countingTracer(Tracer inner) {
        return spanName -> {
            spanBuilders.incrementAndGet();
            SpanBuilder b = inner.spanBuilder(spanName);
            return b;
        };
    }

    private void roundTrip(InMemoryTransport transport) throws Exception {
        CompletableFuture<Ping> got = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(transport)
                .openTelemetry(countingNoop)
                .receiveEndpoint("pings", e -> e.consumer(Ping.class, ctx -> got.complete(ctx.message())))
                .start()) {
            int atStart = spanBuilders.get();
            assertThat(atStart).as("span builders at build (the probe)").isLessThanOrEqualTo(1);
            for (int i = 0; i < 10; i++) {
                bus.publish(new Ping(i)).get(5, TimeUnit.SECONDS);
            }
            got.get(10, TimeUnit.SECONDS);
            assertThat(spanBuilders.get() - atStart).as("span builders for 10 messages").isZero();
            assertThat(propagations.get()).as("context injections and extractions").isZero();
        }
    }

    @Test
    void byReferenceNoSdkMeansNoSpansAndNoPropagation() throws Exception {
        roundTrip(InMemoryTransport.builder().byReference(true).build());
    }

    @Test
    void serializingNoSdkMeansNoSpansAndNoPropagation() throws Exception {
        roundTrip(InMemoryTransport.create());
    }
}
