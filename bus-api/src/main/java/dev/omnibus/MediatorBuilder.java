package dev.omnibus;

import dev.omnibus.internal.DefaultMediator;
import dev.omnibus.spi.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Configures a {@link Mediator}: its consumers and the filters around each of them. Nothing is
 * required; a mediator with no consumers publishes to nobody. {@link #build()} reports every problem
 * at once in a {@link ConfigurationException}. Not thread-safe: configure from one thread.
 */
public final class MediatorBuilder {
    private final MessageTypeRegistry registry = MessageTypeRegistry.create();
    private final List<DefaultMediator.Binding> bindings = new ArrayList<>();
    private final List<Filter> filters = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    MediatorBuilder() {
    }

    /** Adds {@code consumer} for messages of {@code type} (a record, or an interface records implement). */
    @SuppressWarnings("unchecked")
    public <T> MediatorBuilder consumer(Class<T> type, MessageConsumer<? super T> consumer) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(consumer, "consumer");
        try {
            MessageType mt = registry.typeOf(type);
            bindings.add(new DefaultMediator.Binding(type, mt, (MessageConsumer<Object>) consumer));
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        return this;
    }

    /**
     * Adds a filter around every consumer call, outside the filters added after it. A filter that
     * returns without calling {@code next} skips the consumer.
     */
    public MediatorBuilder filter(Filter filter) {
        filters.add(Objects.requireNonNull(filter, "filter"));
        return this;
    }

    /**
     * Builds the mediator.
     *
     * @throws ConfigurationException listing every problem found
     */
    public Mediator build() {
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return new DefaultMediator(registry, bindings, filters);
    }
}
