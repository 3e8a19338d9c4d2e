package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ScheduledSendFailureTest {
    record Later(UUID id) {
    }

    /** A scheduler that refuses every message, as a durable one does when its database is down. */
    static final class RefusingScheduler implements Scheduler {
        final AtomicInteger refused = new AtomicInteger();

        @Override
        public void start(Transport transport, BusClock clock) {
        }

        @Override
        public UUID schedule(Instant due, Address destination, OutgoingMessage message) {
            refused.incrementAndGet();
            throw new IllegalStateException("scheduler store unavailable");
        }

        @Override
        public boolean cancel(UUID token) {
            return false;
        }

        @Override
        public void stop() {
        }
    }

    @Test
    void aScheduledSendTheSchedulerRefusesFailsItsFutureAndEndsItsSpan() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        SdkTracerProvider tracerProvider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
        RefusingScheduler scheduler = new RefusingScheduler();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .scheduler(scheduler)
                .openTelemetry(OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build())
                .start()) {
            CompletableFuture<Void> f = bus.send(Address.queue("later"), new Later(UUID.randomUUID()),
                    SendOptions.defaults().withDelay(Duration.ofMinutes(5)));
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("scheduler store unavailable");
            assertThat(scheduler.refused).hasValue(1);
            List<SpanData> finished = spans.getFinishedSpanItems();
            assertThat(finished).hasSize(1);
            assertThat(finished.get(0).getKind()).isEqualTo(SpanKind.PRODUCER);
            assertThat(finished.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        } finally {
            tracerProvider.close();
        }
    }
}
