package dev.omnibus;

import dev.omnibus.internal.ConsumerBinding;
import dev.omnibus.internal.EndpointSpec;
import dev.omnibus.spi.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Configures one receive endpoint: a named queue, the consumers it runs, how many messages run at
 * once, and what happens when a consumer fails. Given to the lambda of
 * {@link BusBuilder#receiveEndpoint(String, java.util.function.Consumer)}.
 *
 * <p>Defaults: concurrency 1 (messages one at a time, in order), prefetch {@code max(16, 2 ×
 * concurrency)}, no retry, no redelivery, JSON envelope for bodies without a content type.
 * Problems are reported together by {@link BusBuilder#build()}. Not thread-safe: configure from one
 * thread.
 */
public final class ReceiveEndpointBuilder {
    private final String name;
    private final MessageTypeRegistry registry;
    private final List<ConsumerBinding> bindings = new ArrayList<>();
    private final List<Filter> filters = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private int concurrency = 1;
    private Integer prefetch;
    private Retry retry = Retry.none();
    private Retry redelivery = Retry.none();
    private boolean redeliveryHoldsKey;
    private boolean inMemoryOutbox;
    private String defaultContentType;

    ReceiveEndpointBuilder(String name, MessageTypeRegistry registry) {
        this.name = name;
        this.registry = registry;
    }

    /**
     * Adds a consumer of {@code type}: a record, or a message interface records implement. A
     * consumer of an interface receives the records this bus has registered that implement it
     * (register records that only arrive from elsewhere with {@link BusBuilder#messageType}).
     */
    @SuppressWarnings("unchecked")
    public <T> ReceiveEndpointBuilder consumer(Class<T> type, MessageConsumer<? super T> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        try {
            MessageType mt = registry.register(type);
            bindings.add(new ConsumerBinding(mt, (MessageConsumer<Object>) consumer, consumerName(consumer)));
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        return this;
    }

    /** Adds a lambda consumer; the same as {@link #consumer}, named for readability. */
    public <T> ReceiveEndpointBuilder handler(Class<T> type, MessageConsumer<? super T> handler) {
        return consumer(type, handler);
    }

    /** Adds a consumer of the {@link Fault}s of {@code type}'s messages. */
    @SuppressWarnings("unchecked")
    public <T> ReceiveEndpointBuilder faultConsumer(Class<T> type, MessageConsumer<Fault<T>> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        try {
            MessageType mt = registry.faultOf(type);
            MessageConsumer<?> c = consumer;
            bindings.add(new ConsumerBinding(mt, (MessageConsumer<Object>) c, consumerName(consumer)));
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        return this;
    }

    /** How many messages this endpoint runs at once (default 1). Order per partition key is kept. */
    public ReceiveEndpointBuilder concurrency(int limit) {
        if (limit < 1) {
            problems.add("endpoint '" + name + "': concurrency must be at least 1, was " + limit);
        }
        this.concurrency = limit;
        return this;
    }

    /** How many deliveries the transport hands over ahead of consumption (default max(16, 2 × concurrency)). */
    public ReceiveEndpointBuilder prefetch(int count) {
        if (count < 1) {
            problems.add("endpoint '" + name + "': prefetch must be at least 1, was " + count);
        }
        this.prefetch = count;
        return this;
    }

    /** In-process retry of a failed message (default {@link Retry#none()}). */
    public ReceiveEndpointBuilder retry(Retry policy) {
        this.retry = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * Delayed redelivery (second-level retry): when in-process retries are spent, the message goes
     * back to this endpoint's queue after the policy's wait, through the bus's scheduler, with its
     * {@code MT-Redelivery-Count} header raised. Default {@link Retry#none()}.
     */
    public ReceiveEndpointBuilder redelivery(Retry policy) {
        this.redelivery = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * Keeps order per ordering key across delayed redelivery: while a message waits for its
     * redelivery, later messages with the same ordering key (its partition key, else its correlation
     * id; on Kafka the record key) wait too, unsettled, and run in their order after the redelivered
     * copy has run (consumed, moved to {@code _error}, or scheduled again, which holds on). Messages of
     * other keys are not held. Off by default: later messages of the key then run while the failed one
     * waits, as on every other bus.
     *
     * <p>Held messages count against the {@link #prefetch(int) prefetch} window; a hold whose copy does
     * not arrive within its delay plus the longer of 30 s and the delay expires (logged at WARN) and
     * the held messages run. At a stop they go back to the broker. A crash, or a Kafka partition moving
     * to another member, loses the hold: the messages held are delivered again in their order, but may
     * then run before the redelivered copy. Needs {@link #redelivery(Retry)}.
     */
    public ReceiveEndpointBuilder redeliveryHoldsKey() {
        this.redeliveryHoldsKey = true;
        return this;
    }

    /**
     * Holds back what this endpoint's consumers publish, send, respond and schedule until the
     * delivery succeeded (MassTransit's {@code UseInMemoryOutbox}): a consumer that fails produces
     * nothing, and a retried consumer's messages leave once, from the attempt that succeeded. When
     * the consumers return, the held messages leave in their order and only then is the delivery
     * acknowledged ({@link dev.omnibus.spi.Delivery#ackWith}); scheduled sends go to the scheduler
     * just before. On a transport that settles transactionally (Kafka with
     * {@code KafkaTransportBuilder.transactions(...)}) the messages and the consumed position commit
     * in one transaction instead.
     *
     * <p>What changes for a consumer: the futures {@code publish}, {@code send} and {@code respond}
     * return complete when the message is held, not when the broker has it; a failure to send (after
     * the consumer returned) puts the delivery back on the queue, so it runs again. {@code request} is
     * not held (it waits for its response). A {@code Fault<T>} is not held either. Memory: the held
     * messages of the deliveries running at once (at most the endpoint's concurrency). Off by default.
     */
    public ReceiveEndpointBuilder useInMemoryOutbox() {
        this.inMemoryOutbox = true;
        return this;
    }

    /** Adds a filter around this endpoint's consumers, inside retry; the first added is outermost. */
    public ReceiveEndpointBuilder filter(Filter filter) {
        filters.add(Objects.requireNonNull(filter, "filter"));
        return this;
    }

    /**
     * The content type assumed for deliveries that carry none, e.g. {@code application/json} for
     * foreign producers that send only the message body (default: the JSON envelope).
     */
    public ReceiveEndpointBuilder defaultContentType(String contentType) {
        this.defaultContentType = Objects.requireNonNull(contentType, "contentType");
        return this;
    }

    EndpointSpec build(List<String> allProblems) {
        allProblems.addAll(problems);
        if (bindings.isEmpty()) {
            allProblems.add("endpoint '" + name + "' has no consumers: add one with .consumer(Type.class, consumer)");
        }
        int p = prefetch != null ? prefetch : Math.max(16, 2 * Math.max(1, concurrency));
        if (redeliveryHoldsKey && redelivery.limit() == 0) {
            allProblems.add("endpoint '" + name + "': redeliveryHoldsKey() needs a redelivery policy: add .redelivery(Retry.intervals(...))");
        }
        return new EndpointSpec(name, bindings, Math.max(1, concurrency), Math.max(1, p), retry, redelivery, filters,
                defaultContentType, redeliveryHoldsKey, inMemoryOutbox);
    }

    private static String consumerName(Object consumer) {
        Class<?> c = consumer.getClass();
        return c.isSynthetic() || c.getSimpleName().contains("$$Lambda") ? "lambda" : c.getName();
    }
}
