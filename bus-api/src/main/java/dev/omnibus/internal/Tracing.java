package dev.omnibus.internal;

import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OpenTelemetry spans and W3C trace context for messages, following the messaging semantic
 * conventions: a PRODUCER span per produced message whose context travels in the envelope headers
 * ({@code traceparent}, {@code tracestate}), and a CONSUMER span per consumed message, child of the
 * producer's, current while the consume pipeline runs, so what a consumer produces joins the trace.
 * With the no-op OpenTelemetry (no SDK installed, detected once at build: a probe span of the
 * tracer has no valid context) tracing does no work at all: {@link #enabled()} is false, no span
 * is built, no context is injected or extracted and no header map is copied; incoming trace headers
 * still flow to produced messages, because application headers are copied forward. An SDK that
 * samples a trace out still counts as enabled: its spans carry a valid context that must propagate.
 */
final class Tracing {
    static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("messaging.message.conversation_id");
    static final AttributeKey<String> MESSAGE_TYPE = AttributeKey.stringKey("omnibus.message.type");

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            return carrier.names();
        }

        @Override
        public String get(Headers carrier, String key) {
            if (carrier == null) {
                return null;
            }
            Object v = carrier.get(key);
            if (v == null && "traceparent".equals(key)) {
                v = carrier.get("MT-Activity-Id"); // MassTransit writes the W3C id there
            }
            return v == null ? null : v.toString();
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final String system;
    private final boolean enabled;

    Tracing(OpenTelemetry openTelemetry, String system) {
        this.tracer = openTelemetry.getTracer("dev.omnibus", dev.omnibus.HostInfo.OMNIBUS_VERSION);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
        this.system = system;
        this.enabled = openTelemetry != OpenTelemetry.noop() && producesSpans(tracer);
    }

    /**
     * Whether {@code tracer} makes real spans: the no-op tracer (no SDK, or {@code OpenTelemetry.noop()}
     * behind {@code GlobalOpenTelemetry}) returns a span with an invalid context for a root span. The
     * probe span is never ended, so an SDK exports nothing for it.
     */
    private static boolean producesSpans(Tracer tracer) {
        Span probe = tracer.spanBuilder("omnibus-probe").setNoParent().startSpan();
        return probe.getSpanContext().isValid();
    }

    /** False when no OpenTelemetry SDK is installed: callers then skip every span and header operation. */
    boolean enabled() {
        return enabled;
    }

    /** Starts the span of a produced message, child of the current context; the invalid span when disabled. */
    Span startProducer(String operation, String destination, String messageType) {
        if (!enabled) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder(operation + " " + destination)
                .setSpanKind(SpanKind.PRODUCER)
                .setAttribute(SYSTEM, system)
                .setAttribute(OPERATION, operation)
                .setAttribute(DESTINATION, destination)
                .setAttribute(MESSAGE_TYPE, messageType)
                .startSpan();
    }

    /** {@code headers} with the trace context of {@code span} written in. */
    Headers inject(Span span, Headers headers) {
        if (!enabled || !span.getSpanContext().isValid()) {
            return headers;
        }
        Map<String, Object> out = new LinkedHashMap<>(headers.asMap());
        propagator.inject(Context.current().with(span), out, (carrier, k, v) -> carrier.put(k, v));
        return Headers.of(out);
    }

    /** Starts the span of a consumed message, child of the producer's context carried in its headers. */
    Span startConsumer(String endpoint, Envelope envelope, String messageType) {
        if (!enabled) {
            return Span.getInvalid();
        }
        Context parent = propagator.extract(Context.root(), envelope.headers(), GETTER);
        Span span = tracer.spanBuilder("process " + endpoint)
                .setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute(SYSTEM, system)
                .setAttribute(OPERATION, "process")
                .setAttribute(DESTINATION, endpoint)
                .setAttribute(MESSAGE_TYPE, messageType)
                .startSpan();
        if (envelope.messageId() != null) {
            span.setAttribute(MESSAGE_ID, envelope.messageId().toString());
        }
        if (envelope.conversationId() != null) {
            span.setAttribute(CONVERSATION_ID, envelope.conversationId().toString());
        }
        return span;
    }

    static void fail(Span span, Throwable error) {
        span.recordException(error);
        span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
    }
}
