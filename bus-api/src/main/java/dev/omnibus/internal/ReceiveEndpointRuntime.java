package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.Envelope;
import dev.omnibus.Fault;
import dev.omnibus.MessageType;
import dev.omnibus.SendOptions;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.Delivery.DeadLetterQueue;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.Filter;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Serializer;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One running receive endpoint: takes deliveries from the transport, runs each through the
 * consume pipeline on the endpoint's worker threads, and settles it.
 *
 * <p>The pipeline, outermost first: MDC and fault handling (this class), delayed redelivery,
 * in-process retry, the bus's filters, the endpoint's filters, then the consumers.
 */
final class ReceiveEndpointRuntime implements DeliveryHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiveEndpointRuntime.class);
    private static final long PRODUCE_TIMEOUT_SECONDS = 30;

    private final DefaultBus bus;
    private final EndpointSpec spec;
    private final BusSpec busSpec;
    private final URI address;
    private final Filter[] filters;
    private final Map<MessageType, List<ConsumerBinding>> dispatch = new ConcurrentHashMap<>();
    private final Set<Task> pending = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object idle = new Object();
    private final MessageType singleConcreteType;
    private PartitionedExecutor executor;
    private ReceiveHandle handle;

    ReceiveEndpointRuntime(DefaultBus bus, EndpointSpec spec, BusSpec busSpec) {
        this.bus = bus;
        this.spec = spec;
        this.busSpec = busSpec;
        this.address = busSpec.transport().resolve(Address.queue(spec.name()));
        List<Filter> chain = new ArrayList<>();
        if (spec.redelivery().limit() > 0) {
            chain.add(new RedeliveryFilter(spec.redelivery(), busSpec, spec.name()));
        }
        if (spec.retry().limit() > 0) {
            chain.add(new RetryFilter(spec.retry(), busSpec.clock(), bus));
        }
        chain.addAll(busSpec.filters());
        chain.addAll(spec.filters());
        this.filters = chain.toArray(new Filter[0]);
        Set<MessageType> concrete = new LinkedHashSet<>();
        for (ConsumerBinding b : spec.bindings()) {
            if (!b.type().rawType().isInterface()) {
                concrete.add(b.type());
            }
        }
        this.singleConcreteType = concrete.size() == 1 ? concrete.iterator().next() : null;
    }

    String name() {
        return spec.name();
    }

    URI address() {
        return address;
    }

    DefaultBus bus() {
        return bus;
    }

    MessageProducer producer() {
        return bus.producer();
    }

    EndpointTopology topology() {
        Set<String> urns = new LinkedHashSet<>();
        for (ConsumerBinding b : spec.bindings()) {
            urns.add(b.type().urn());
        }
        return new EndpointTopology(spec.name(), List.copyOf(urns), false);
    }

    void start() {
        busSpec.transport().declareEndpoint(topology());
        executor = new PartitionedExecutor(spec.name(), spec.concurrency());
        handle = busSpec.transport().receive(spec.name(), new ReceiveSettings(spec.prefetch()), this);
    }

    @Override
    public void onDelivery(Delivery delivery) {
        Task task = new Task(delivery);
        pending.add(task);
        try {
            executor.execute(partitionKey(delivery), task);
        } catch (RejectedExecutionException e) {
            if (task.claim()) {
                delivery.requeue();
            }
        }
    }

    /** A delivery's ordering key: the explicit partition key, else the correlation id, else none. */
    static Object partitionKey(Delivery d) {
        Object key = d.headers().get(OutgoingMessage.PARTITION_KEY);
        return key != null ? key : d.headers().get(OutgoingMessage.CORRELATION_ID);
    }

    /** Stop step 1: no new deliveries; those handed over but not started go back to the queue. */
    void stopDeliveries() {
        if (handle != null) {
            handle.stopDeliveries();
        }
        for (Task t : pending) {
            if (t.claim()) {
                t.delivery.requeue();
            }
        }
    }

    /** Stop step 2: waits until no delivery is in flight, or the deadline (System.nanoTime) passes. */
    boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        synchronized (idle) {
            while (inFlight.get() > 0) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
            return true;
        }
    }

    /** Stop step 3: interrupts what still runs; the transport returns every unsettled delivery to the queue. */
    void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
        if (handle != null) {
            handle.close();
        }
    }

    int inFlight() {
        return inFlight.get();
    }

    /** Whether the calling thread is one of this endpoint's workers (a consumer calling into the bus). */
    boolean isWorkerThread() {
        PartitionedExecutor e = executor;
        return e != null && e.isWorkerThread();
    }

    private final class Task implements Runnable {
        private final Delivery delivery;
        private final AtomicBoolean claimed = new AtomicBoolean();

        Task(Delivery delivery) {
            this.delivery = delivery;
        }

        boolean claim() {
            boolean won = claimed.compareAndSet(false, true);
            if (won) {
                pending.remove(this);
            }
            return won;
        }

        @Override
        public void run() {
            if (!claim()) {
                return;
            }
            inFlight.incrementAndGet();
            try {
                process(delivery);
            } catch (Throwable t) {
                LOG.error("Endpoint {}: unexpected failure handling a delivery; it goes back to the queue", spec.name(), t);
                delivery.requeue();
            } finally {
                if (inFlight.decrementAndGet() == 0) {
                    synchronized (idle) {
                        idle.notifyAll();
                    }
                }
            }
        }
    }

    private void process(Delivery d) {
        MDC.put("endpoint", spec.name());
        try {
            if (d.body().length > busSpec.maxMessageSize()) {
                badInput(d, null, new SerializationException("body is " + d.body().length + " bytes, over the limit of "
                        + busSpec.maxMessageSize() + " bytes (BusBuilder.maxMessageSize)"));
                return;
            }
            Serializer serializer = bus.deserializerFor(d.headers(), spec.defaultContentType());
            DecodedMessage decoded;
            try {
                decoded = serializer.deserialize(d.body(), d.headers());
            } catch (SerializationException e) {
                badInput(d, null, e);
                return;
            } catch (RuntimeException e) {
                badInput(d, null, new SerializationException("body could not be read: " + e, e));
                return;
            }
            Envelope envelope = decoded.envelope();
            putIds(envelope);
            MessageType type;
            if (envelope.messageType().isEmpty()) {
                if (singleConcreteType == null || serializer.contentType().equals(bus.envelopeContentType())) {
                    badInput(d, envelope, new SerializationException("message has no messageType, and endpoint '"
                            + spec.name() + "' cannot tell which type it is"));
                    return;
                }
                type = singleConcreteType;
            } else {
                type = resolve(envelope.messageType());
                if (type == null) {
                    skip(d, envelope, "no registered message type among " + envelope.messageType()
                            + " (a consumer of an interface needs the record registered too: BusBuilder.messageType(Record.class))");
                    return;
                }
            }
            List<ConsumerBinding> consumers = consumersOf(type);
            if (consumers.isEmpty()) {
                skip(d, envelope, "endpoint '" + spec.name() + "' has no consumer for " + type.urn());
                return;
            }
            if (envelope.expirationTime() != null && envelope.expirationTime().isBefore(busSpec.clock().now())) {
                LOG.debug("Endpoint {}: message {} expired at {}; dropped", spec.name(), envelope.messageId(),
                        envelope.expirationTime());
                d.ack();
                return;
            }
            Object message;
            try {
                message = decoded.message(type.javaType());
            } catch (SerializationException e) {
                badInput(d, envelope, e);
                return;
            }
            consume(d, envelope, type, message, consumers);
        } finally {
            MDC.remove("endpoint");
            MDC.remove("messageId");
            MDC.remove("correlationId");
        }
    }

    private void consume(Delivery d, Envelope envelope, MessageType type, Object message, List<ConsumerBinding> consumers) {
        DefaultConsumeContext ctx = new DefaultConsumeContext(message, envelope, type, this, d, redeliveryCount(d, envelope));
        String[] current = new String[1];
        io.opentelemetry.api.trace.Span span = bus.tracing().startConsumer(spec.name(), envelope, type.urn());
        io.opentelemetry.context.Scope scope = span.makeCurrent(); // closed in finally: the fault is produced inside it
        try {
            chain(0, consumers, ctx, current).proceed(ctx);
            d.ack();
        } catch (Throwable e) {
            Tracing.fail(span, e);
            if (e instanceof RetryFilter.RequeueOnStop
                    || bus.isStopping() && (Thread.currentThread().isInterrupted() || isInterruption(e))) {
                LOG.info("Endpoint {}: message {} interrupted by stop; it goes back to the queue", spec.name(),
                        envelope.messageId());
                d.requeue();
                return;
            }
            fault(d, ctx, e, current[0]);
        } finally {
            scope.close();
            span.end();
        }
    }

    private Filter.Next chain(int i, List<ConsumerBinding> consumers, DefaultConsumeContext original, String[] current) {
        if (i == filters.length) {
            return c -> dispatch(c, consumers, original, current);
        }
        Filter f = filters[i];
        Filter.Next next = chain(i + 1, consumers, original, current);
        return c -> f.filter(c, next);
    }

    @SuppressWarnings("unchecked")
    private void dispatch(dev.omnibus.ConsumeContext<?> c, List<ConsumerBinding> consumers, DefaultConsumeContext original,
            String[] current) throws Exception {
        Observers observers = bus.observers();
        for (ConsumerBinding b : consumers) {
            current[0] = b.name();
            try {
                b.consumer().consume((dev.omnibus.ConsumeContext<Object>) c);
            } catch (Exception | Error e) {
                observers.consumeFailed(c, b.name(), e);
                throw e;
            }
            observers.consumed(c, b.name());
        }
        current[0] = null;
        List<CompletableFuture<Void>> produced = original.takeProduced();
        if (!produced.isEmpty()) {
            try {
                CompletableFuture.allOf(produced.toArray(new CompletableFuture[0])).get(PRODUCE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                throw cause instanceof Exception ex ? ex : e;
            } catch (TimeoutException e) {
                throw new dev.omnibus.TransportException("messages produced by the consumer were not confirmed within "
                        + PRODUCE_TIMEOUT_SECONDS + " s", e);
            }
        }
    }

    private void fault(Delivery d, DefaultConsumeContext ctx, Throwable e, String consumerName) {
        Envelope env = ctx.envelope();
        LOG.warn("Endpoint {}: consumer {} failed on {} {} after {} retries; moving it to {}_error",
                spec.name(), consumerName, ctx.messageType().urn(), env.messageId(), ctx.retryAttempt(), spec.name(), e);
        publishFault(ctx, e);
        d.deadLetter(DeadLetterQueue.ERROR, FaultHeaders.fault(e, address, consumerName, ctx.messageType().urn(),
                ctx.retryAttempt(), busSpec.clock().now()));
        bus.observers().deadLettered(spec.name(), DeadLetterQueue.ERROR, env, ctx.message(), e.toString());
    }

    private void publishFault(DefaultConsumeContext ctx, Throwable e) {
        if (ctx.messageType().rawType() == Fault.class) {
            return; // a failing fault consumer does not fault again
        }
        Envelope env = ctx.envelope();
        MessageType faultType = busSpec.registry().faultOf(ctx.messageType().rawType());
        Fault<Object> fault = new Fault<>(Uuid7.next(), env.messageId(), busSpec.clock().now(),
                List.of(dev.omnibus.ExceptionInfo.of(e)), dev.omnibus.HostInfo.current(), env.messageType(), ctx.message());
        URI to = env.faultAddress() != null ? env.faultAddress() : env.responseAddress();
        SendOptions options = SendOptions.defaults();
        CompletableFuture<Void> f = bus.producer().produce(new MessageProducer.Production(
                to == null ? null : new Address(to), fault, faultType, options, env, address, env.requestId(), null));
        try {
            f.get(PRODUCE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } catch (Exception fe) {
            LOG.error("Endpoint {}: could not publish the fault of message {}", spec.name(), env.messageId(), fe);
        }
    }

    private void badInput(Delivery d, Envelope envelope, SerializationException e) {
        Object id = envelope != null && envelope.messageId() != null ? envelope.messageId()
                : d.headers().get(OutgoingMessage.MESSAGE_ID);
        LOG.warn("Endpoint {}: message {} cannot be consumed ({}); moving it to {}_error", spec.name(), id,
                e.getMessage(), spec.name());
        d.deadLetter(DeadLetterQueue.ERROR, FaultHeaders.fault(e, address, null, null, 0, busSpec.clock().now()));
        bus.observers().deadLettered(spec.name(), DeadLetterQueue.ERROR, envelope, null, e.getMessage());
    }

    private void skip(Delivery d, Envelope envelope, String reason) {
        LOG.warn("Endpoint {}: message {} skipped ({}); moving it to {}_skipped", spec.name(),
                d.headers().get(OutgoingMessage.MESSAGE_ID), reason, spec.name());
        d.deadLetter(DeadLetterQueue.SKIPPED, FaultHeaders.skipped(reason));
        bus.observers().deadLettered(spec.name(), DeadLetterQueue.SKIPPED, envelope, null, reason);
    }

    private MessageType resolve(List<String> urns) {
        for (String urn : urns) {
            MessageType t = busSpec.registry().resolve(urn).orElse(null);
            if (t != null && !t.rawType().isInterface()) {
                return t;
            }
        }
        return null;
    }

    private List<ConsumerBinding> consumersOf(MessageType type) {
        return dispatch.computeIfAbsent(type, t -> {
            List<ConsumerBinding> out = new ArrayList<>();
            for (ConsumerBinding b : spec.bindings()) {
                if (t.isAssignableTo(b.type())) {
                    out.add(b);
                }
            }
            return List.copyOf(out);
        });
    }

    private static int redeliveryCount(Delivery d, Envelope envelope) {
        Object v = d.headers().get(FaultHeaders.REDELIVERY_COUNT);
        if (v == null) {
            v = envelope.headers().get(FaultHeaders.REDELIVERY_COUNT);
        }
        if (v == null) {
            return 0;
        }
        try {
            return v instanceof Number n ? n.intValue() : Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void putIds(Envelope envelope) {
        if (envelope.messageId() != null) {
            MDC.put("messageId", envelope.messageId().toString());
        }
        if (envelope.correlationId() != null) {
            MDC.put("correlationId", envelope.correlationId().toString());
        }
    }

    private static boolean isInterruption(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }
}
