package dev.omnibus.internal;

import dev.omnibus.ConsumeContext;
import dev.omnibus.spi.Filter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.MDC;

/** The stages around and at the consumers: logging context, tracing, filters, the consumers themselves. */
final class ConsumeStages {
    private ConsumeStages() {
    }

    /**
     * SLF4J MDC {@code endpoint} (and, once decoded, {@code messageId} and {@code correlationId}) while the
     * delivery runs; nothing at all when the SLF4J binding keeps no MDC (slf4j-simple, slf4j-nop, no
     * binding), where the puts would only turn ids into strings that nobody reads.
     */
    static final class LogContext implements ReceiveStage {
        /** Whether the SLF4J binding keeps an MDC; decided once, when the first endpoint is built. */
        static final boolean MDC_BOUND = !(MDC.getMDCAdapter() instanceof org.slf4j.helpers.NOPMDCAdapter);

        @Override
        public String name() {
            return "log-context";
        }

        @Override
        public void handle(ReceiveContext r, Link next) throws Exception {
            if (!MDC_BOUND) {
                next.proceed(r);
                return;
            }
            MDC.put("endpoint", r.endpoint.name());
            try {
                next.proceed(r);
            } finally {
                MDC.remove("endpoint");
                MDC.remove("messageId");
                MDC.remove("correlationId");
            }
        }
    }

    /**
     * A CONSUMER span, child of the producer's trace context, current while everything inside runs
     * (so what consumers produce, and the fault, join the trace); marked ERROR when the delivery fails.
     */
    static final class Tracing implements ReceiveStage {
        @Override
        public String name() {
            return "tracing";
        }

        @Override
        public void handle(ReceiveContext r, Link next) throws Exception {
            dev.omnibus.internal.Tracing tracing = r.endpoint.bus().tracing();
            if (!tracing.enabled()) { // no SDK: no span, no context to make current
                next.proceed(r);
                return;
            }
            Span span = tracing.startConsumer(r.endpoint.name(), r.envelope(), r.type.urn());
            Scope scope = span.makeCurrent();
            try {
                next.proceed(r);
            } catch (Exception | Error e) {
                dev.omnibus.internal.Tracing.fail(span, e instanceof DeadLetter && e.getCause() != null ? e.getCause() : e);
                throw e;
            } finally {
                scope.close();
                span.end();
            }
        }
    }

    /** A consume {@link Filter} (retry, redelivery, the bus's and the endpoint's own) as a stage. */
    static final class FilterStage implements ReceiveStage {
        private final String name;
        private final Filter filter;

        FilterStage(String name, Filter filter) {
            this.name = name;
            this.filter = filter;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void handle(ReceiveContext r, Link next) throws Exception {
            filter.filter(r.current, c -> {
                ConsumeContext<?> outer = r.current;
                r.current = c;
                try {
                    next.proceed(r);
                } finally {
                    r.current = outer;
                }
            });
        }

        /** A filter's name in the pipeline listing: its class, or "filter" for a lambda. */
        static String nameOf(Filter f) {
            Class<?> c = f.getClass();
            return c.isSynthetic() || c.getSimpleName().contains("$$Lambda") || c.getSimpleName().isEmpty()
                    ? "filter" : "filter:" + c.getSimpleName();
        }
    }

    /**
     * Calls the endpoint's consumers of the message type in registration order, then waits until every
     * message they produced is confirmed, so an ack never precedes the consumer's own output.
     */
    static final class Consumers implements ReceiveStage {
        @Override
        public String name() {
            return "consumers";
        }

        @Override
        @SuppressWarnings("unchecked")
        public void handle(ReceiveContext r, Link next) throws Exception {
            Observers observers = r.endpoint.bus().observers();
            ConsumeContext<?> c = r.current;
            List<ConsumerBinding> bindings = r.consumers;
            for (int i = 0, n = bindings.size(); i < n; i++) { // indexed: no iterator per message
                ConsumerBinding b = bindings.get(i);
                r.consumer = b.name();
                try {
                    b.consumer().consume((ConsumeContext<Object>) c);
                } catch (Exception | Error e) {
                    observers.consumeFailed(c, b.name(), e);
                    throw e;
                }
                observers.consumed(c, b.name());
            }
            r.consumer = null;
            List<CompletableFuture<Void>> produced = r.takeProduced();
            if (!produced.isEmpty()) {
                try {
                    CompletableFuture<Void> all = CompletableFuture.allOf(produced.toArray(new CompletableFuture[0]));
                    dev.omnibus.spi.Interleaving.awaitDone(all, "confirm");
                    all.get(SettleStages.PRODUCE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    throw cause instanceof Exception ex ? ex : e;
                } catch (TimeoutException e) {
                    throw new dev.omnibus.TransportException("messages produced by the consumer were not confirmed within "
                            + SettleStages.PRODUCE_TIMEOUT_SECONDS + " s", e);
                }
            }
        }
    }
}
