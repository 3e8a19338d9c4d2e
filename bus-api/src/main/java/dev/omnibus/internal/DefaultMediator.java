package dev.omnibus.internal;

import dev.omnibus.ConfigurationException;
import dev.omnibus.ConsumeContext;
import dev.omnibus.Mediator;
import dev.omnibus.MessageConsumer;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.spi.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * The {@link Mediator} behind {@code Mediator.builder()}. Per message class a {@link Route} (its
 * registered type and, per consumer, the filter chain linked once with the consumer at its end) is
 * computed on first use and cached in a {@link ClassValue}; a call then costs a class-value lookup,
 * one context object and the calls themselves. Internal: not API.
 */
public final class DefaultMediator implements Mediator {
    /** A consumer of a type, as added to the builder. */
    public record Binding(Class<?> type, MessageType messageType, MessageConsumer<Object> consumer) {
    }

    /** What a message of one class reaches: its type and the linked chain of each consumer. */
    record Route(Class<?> messageClass, MessageType type, Filter.Next[] chains) {
    }

    private final MessageTypeRegistry registry;
    private final List<Binding> bindings;
    private final Filter[] filters;
    private final ClassValue<Route> routes = new ClassValue<>() {
        @Override
        protected Route computeValue(Class<?> c) {
            return route(c);
        }
    };

    public DefaultMediator(MessageTypeRegistry registry, List<Binding> bindings, List<Filter> filters) {
        this.registry = registry;
        this.bindings = List.copyOf(bindings);
        this.filters = filters.toArray(new Filter[0]);
        for (Binding b : this.bindings) {
            if (!b.type().isInterface()) {
                routes.get(b.type()); // the consumed records' routes are ready before the first call
            }
        }
    }

    private Route route(Class<?> c) {
        MessageType type = registry.typeOf(c);
        List<Filter.Next> chains = new ArrayList<>();
        for (Binding b : bindings) {
            if (b.type().isAssignableFrom(c)) {
                chains.add(link(b.consumer()));
            }
        }
        return new Route(c, type, chains.toArray(new Filter.Next[0]));
    }

    @SuppressWarnings("unchecked")
    private Filter.Next link(MessageConsumer<Object> consumer) {
        Filter.Next next = ctx -> consumer.consume((ConsumeContext<Object>) ctx);
        for (int i = filters.length - 1; i >= 0; i--) {
            Filter f = filters[i];
            Filter.Next inner = next;
            next = ctx -> f.filter(ctx, inner);
        }
        return next;
    }

    @Override
    public void send(Object message) {
        Route r = routes.get(message.getClass());
        run(single(r, "send"), new MediatorContext<>(this, message, r.type(), null));
    }

    @Override
    public void publish(Object message) {
        Route r = routes.get(message.getClass());
        Filter.Next[] chains = r.chains();
        if (chains.length == 0) {
            return;
        }
        MediatorContext<Object> ctx = new MediatorContext<>(this, message, r.type(), null);
        for (Filter.Next chain : chains) {
            run(chain, ctx);
        }
    }

    @Override
    public <R> R request(Object message, Class<R> responseType) {
        Route r = routes.get(message.getClass());
        MediatorContext<Object> ctx = new MediatorContext<>(this, message, r.type(), MediatorContext.NO_RESPONSE);
        run(single(r, "request"), ctx);
        Object response = ctx.response();
        if (response == MediatorContext.NO_RESPONSE) {
            throw new IllegalStateException("the consumer of " + r.messageClass().getName()
                    + " returned without responding: call ctx.respond(response)");
        }
        return responseType.cast(response);
    }

    private static Filter.Next single(Route r, String what) {
        Filter.Next[] chains = r.chains();
        if (chains.length != 1) {
            throw new ConfigurationException(chains.length == 0
                    ? "no consumer of " + r.messageClass().getName() + " to " + what + " to: add one with "
                            + "Mediator.builder().consumer(" + r.messageClass().getSimpleName() + ".class, …)"
                    : chains.length + " consumers of " + r.messageClass().getName() + ": " + what
                            + " needs exactly one (publish reaches them all)");
        }
        return chains[0];
    }

    private static void run(Filter.Next chain, ConsumeContext<?> ctx) {
        try {
            chain.proceed(ctx);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }
}
