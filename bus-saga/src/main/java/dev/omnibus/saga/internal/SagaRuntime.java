package dev.omnibus.saga.internal;

import dev.omnibus.Address;
import dev.omnibus.ConcurrencyException;
import dev.omnibus.ConsumeContext;
import dev.omnibus.SendOptions;
import dev.omnibus.saga.BehaviorContext;
import dev.omnibus.saga.Event;
import dev.omnibus.saga.SagaRecord;
import dev.omnibus.saga.Schedule;
import dev.omnibus.saga.State;
import dev.omnibus.saga.UnhandledEventException;
import dev.omnibus.saga.UnhandledEventPolicy;
import dev.omnibus.saga.model.Activity;
import dev.omnibus.saga.model.ActivityVisitor;
import dev.omnibus.saga.model.Behavior;
import dev.omnibus.saga.model.MachineModel;
import dev.omnibus.saga.spi.SagaRepository;
import dev.omnibus.spi.Interleaving;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes a {@link MachineModel} for consumed messages: correlates, takes the instance's turn
 * (one message at a time per instance in this process), loads it, runs the activities on a working
 * copy, saves it with its version, and only then produces the messages the activities built and
 * withdraws the timeouts they cleared (where the scheduler can; a stale timeout is dropped on arrival
 * in any case). Reaching {@link State#FINAL} clears every pending timeout. On a
 * {@link ConcurrencyException} from the repository (another process saved first) it reloads and
 * runs again, up to {@code maxAttempts} times. Thread-safe.
 *
 * @param <S> the user's state class
 */
public final class SagaRuntime<S> {
    private static final Logger LOG = LoggerFactory.getLogger(SagaRuntime.class);
    private static final int MAX_TRANSITIONS = 64;
    /** How long a finalized instance that is removed waits for its transition's messages before the delete. */
    private static final long REMOVE_AFTER_SENT_SECONDS = 60;

    private final MachineModel model;
    private final SagaCodec<S> codec;
    private final SagaRepository repository;
    private final int maxAttempts;
    private final TurnLocks locks = new TurnLocks(256);
    /**
     * The transitions this process saved whose messages are not all confirmed yet, by endpoint and message
     * id, with the record each started from: a later attempt at that message in this process (a retry, a
     * redelivery) runs the transition again from there for its messages. Bounded (the oldest forgotten).
     */
    private final java.util.Map<String, SagaCodec.Before> unsent = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, SagaCodec.Before> eldest) {
                    return size() > MAX_UNSENT;
                }
            });
    private static final int MAX_UNSENT = 10_000;

    public SagaRuntime(MachineModel model, SagaCodec<S> codec, SagaRepository repository, int maxAttempts) {
        this.model = model;
        this.codec = codec;
        this.repository = repository;
        this.maxAttempts = maxAttempts;
    }

    public MachineModel model() {
        return model;
    }

    /** Handles one consumed message that raises {@code event}. */
    public <T> void handle(Event<T> event, ConsumeContext<T> ctx) {
        UUID id = event.correlation() != null ? event.correlation().correlate(ctx) : ctx.correlationId();
        if (id == null) {
            throw new UnhandledEventException(model.name() + ": event " + event + " in message " + ctx.messageId()
                    + " has no correlation id" + (event.correlation() == null ? " (the envelope's correlationId is empty)" : ""));
        }
        ReentrantLock lock = locks.of(id);
        Interleaving.lock(lock, "saga-turn"); // lock(), or under a simulation a wait that lets others run
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    run(id, event, ctx);
                    return;
                } catch (ConcurrencyException e) {
                    if (attempt >= maxAttempts) {
                        throw new ConcurrencyException(model.name() + ": instance " + id + " kept changing under event " + event
                                + " for " + attempt + " attempts: " + e.getMessage());
                    }
                    LOG.debug("{}: instance {} changed concurrently (attempt {}), running event {} again", model.name(), id, attempt, event);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private <T> void run(UUID id, Event<T> event, ConsumeContext<T> ctx) {
        SagaRepository repository = this.repository.during(ctx);
        Interleaving.point("saga-load");
        Optional<SagaRecord> stored = repository.find(id);
        SagaCodec.Doc<S> loaded = stored.map(codec::decode).orElseGet(codec::fresh);
        UUID messageId = ctx.messageId();
        String unsentKey = ctx.endpoint() + "|" + messageId;
        SagaCodec.Before before = null;
        boolean replay = false;
        if (loaded.applied(messageId, ctx.endpoint())) {
            before = unsent.get(unsentKey);
            if (before == null) {
                // another copy of the message whose transition the record holds, and its messages went out:
                // a publisher's retry, a scheduled message set twice, the broker's duplicate or its redelivery
                // after a lost acknowledgement. Its transition and messages belong to the first: dropped.
                LOG.debug("{}: instance {} already applied message {} (event {}); this copy is dropped",
                        model.name(), id, messageId, event);
                return;
            }
            // This process saved the transition and a message of it was not confirmed: this attempt (a retry,
            // a redelivery) runs the transition again from the record it started from, for its messages, and
            // saves nothing: the record holds its result.
            replay = true;
        }
        SagaCodec.Doc<S> doc = !replay ? loaded : before.json() == null ? codec.fresh() : codec.decode(id, before.json());
        State state = !replay ? stored.map(r -> new State(r.state())).orElse(State.INITIAL)
                : before.json() == null ? State.INITIAL : new State(before.state());
        if (replay) {
            LOG.info("{}: instance {} already holds the transition of message {} (event {}); sending its messages again",
                    model.name(), id, messageId, event);
        }
        Optional<Schedule<?>> schedule = model.scheduleOf(event);
        if (schedule.isPresent()) {
            UUID pending = doc.schedules().get(schedule.get().name());
            if (pending == null || !pending.equals(ctx.messageId())) {
                LOG.debug("{}: dropped {} for instance {}: the schedule was cleared or replaced", model.name(), event, id);
                return;
            }
            doc.schedules().remove(schedule.get().name());
        }
        Working<S> w = new Working<>(id, state, doc, ctx, event, messageId);
        model.requestCompletedBy(event).ifPresent(r -> {
            UUID pending = doc.schedules().remove(r.timeout().name()); // the response came: its timeout is moot
            if (pending != null) {
                w.withdrawn.add(pending);
            }
        });
        Optional<Behavior> behavior = model.behavior(state, event);
        boolean viaComposite = behavior.isEmpty() && model.compositesOf(event).stream()
                .anyMatch(c -> model.behavior(state, c).isPresent());
        if (behavior.isEmpty() && !viaComposite) {
            unhandled(id, state, event, stored.isPresent());
            return;
        }
        if (behavior.isPresent() && behavior.get().ignored()) {
            LOG.debug("{}: event {} ignored in state {} (instance {})", model.name(), event, state, id);
            return;
        }
        if (behavior.isPresent()) {
            w.execute(behavior.get().activities());
        }
        for (Event<?> composite : model.compositesOf(event)) {
            Set<String> seen = doc.seen().computeIfAbsent(composite.name(), k -> new LinkedHashSet<>());
            seen.add(event.name());
            if (seen.size() == composite.constituents().size()) {
                doc.seen().remove(composite.name());
                Optional<Behavior> cb = model.behavior(w.state, composite);
                if (cb.isPresent() && !cb.get().ignored()) {
                    w.event = composite;
                    w.execute(cb.get().activities());
                } else {
                    LOG.debug("{}: composite event {} complete in state {}, which does not handle it", model.name(), composite, w.state);
                }
            }
        }
        if (w.state.equals(State.FINAL)) {
            w.withdrawn.addAll(doc.schedules().values()); // a finalized instance handles no timeout
            doc.schedules().clear();
        }
        if (w.state.equals(State.FINAL) && model.removeWhenFinalized()) {
            // nothing is left to remember the transition by: its messages go first, the delete after they are sent
            sendAndWait(id, w);
            if (!replay) {
                Interleaving.point("saga-save");
                stored.ifPresent(r -> repository.delete(id, r.version()));
            }
        } else {
            if (!replay) {
                save(repository, id, stored, w, messageId);
            }
            if (messageId != null && !w.effects.isEmpty()) {
                unsent.put(unsentKey, replay ? before : stored.map(r -> new SagaCodec.Before(r.state(), r.json()))
                        .orElse(new SagaCodec.Before(State.INITIAL.name(), null)));
            }
            List<CompletableFuture<Void>> sent = new ArrayList<>(w.effects.size());
            for (Function<ConsumeContext<?>, CompletableFuture<Void>> effect : w.effects) {
                sent.add(effect.apply(ctx));
            }
            if (messageId != null && !sent.isEmpty()) {
                CompletableFuture.allOf(sent.toArray(new CompletableFuture[0])).whenComplete((ok, err) -> {
                    if (err == null) {
                        unsent.remove(unsentKey); // all confirmed: a later copy is a duplicate
                    }
                });
            }
        }
        for (UUID token : w.withdrawn) {
            // an optimization: a timeout that arrives anyway is recognised as stale and dropped
            ctx.cancelScheduledSend(token);
        }
    }

    private void sendAndWait(UUID id, Working<S> w) {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (Function<ConsumeContext<?>, CompletableFuture<Void>> effect : w.effects) {
            sent.add(effect.apply(w.ctx));
        }
        try {
            CompletableFuture.allOf(sent.toArray(new CompletableFuture[0])).get(REMOVE_AFTER_SENT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(model.name() + ": interrupted while the final messages of instance " + id
                    + " were sent; the instance is kept", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(model.name() + ": a final message of instance " + id
                    + " could not be sent; the instance is kept and a retry sends them again: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(model.name() + ": the final messages of instance " + id + " were not sent within "
                    + REMOVE_AFTER_SENT_SECONDS + " s; the instance is kept and a retry sends them again", e);
        }
    }

    private void save(SagaRepository repository, UUID id, Optional<SagaRecord> stored, Working<S> w, UUID messageId) {
        SagaCodec.Doc<S> doc = w.doc.appliedBy(messageId, w.ctx.endpoint());
        String json = codec.encode(doc);
        Interleaving.point("saga-save");
        if (stored.isEmpty()) {
            repository.insert(new SagaRecord(id, w.state.name(), 1, json));
        } else {
            repository.update(new SagaRecord(id, w.state.name(), stored.get().version() + 1, json));
        }
    }

    private void unhandled(UUID id, State state, Event<?> event, boolean exists) {
        String what = model.name() + ": event " + event + " is not handled in state " + state
                + (exists ? "" : " (instance " + id + " does not exist)") + "; handle or ignore(" + event + ") it there";
        if (model.unhandledEventPolicy() == UnhandledEventPolicy.IGNORE) {
            LOG.info("{}; dropped (instance {})", what, id);
            return;
        }
        throw new UnhandledEventException(what + " (instance " + id + ")");
    }

    /** The working copy of one instance during one attempt, and the visitor that runs activities on it. */
    private final class Working<X> implements BehaviorContext<Object, Object>, ActivityVisitor<Void> {
        private final UUID id;
        private final SagaCodec.Doc<X> doc;
        private final ConsumeContext<?> ctx;
        private final List<Function<ConsumeContext<?>, CompletableFuture<Void>>> effects = new ArrayList<>();
        private final UUID messageId; // the consumed message's id, or null
        private int scheduled; // schedules made in this run, for their tokens
        private final List<UUID> withdrawn = new ArrayList<>();
        private State state;
        private Event<?> event;
        private int transitions;

        Working(UUID id, State state, SagaCodec.Doc<X> doc, ConsumeContext<?> ctx, Event<?> event, UUID messageId) {
            this.id = id;
            this.messageId = messageId;
            this.state = state;
            this.doc = doc;
            this.ctx = ctx;
            this.event = event;
        }

        void execute(List<Activity> activities) {
            for (Activity a : activities) {
                a.accept(this);
            }
        }

        @Override
        public UUID id() {
            return id;
        }

        @Override
        public Object instance() {
            return doc.data();
        }

        @Override
        public Object message() {
            return ctx.message();
        }

        @Override
        public Event<?> event() {
            return event;
        }

        @Override
        public State state() {
            return state;
        }

        @Override
        public ConsumeContext<?> consumeContext() {
            return ctx;
        }

        private SendOptions options() {
            return SendOptions.defaults().withCorrelationId(id);
        }

        @Override
        public Void then(Activity.Then a) {
            a.action().accept(this);
            return null;
        }

        @Override
        public Void publish(Activity.Publish a) {
            Object m = a.message().apply(this);
            effects.add(c -> c.publish(m, options()));
            return null;
        }

        @Override
        public Void send(Activity.Send a) {
            Object m = a.message().apply(this);
            effects.add(c -> c.send(a.destination(), m, options()));
            return null;
        }

        @Override
        public Void respond(Activity.Respond a) {
            Object m = a.message().apply(this);
            effects.add(c -> c.respond(m, options()));
            return null;
        }

        @Override
        public Void schedule(Activity.ScheduleMessage a) {
            scheduleTimeout(a.schedule(), a.message().apply(this));
            return null;
        }

        private void scheduleTimeout(Schedule<?> schedule, Object m) {
            // the same in a run again for the same message, so the saved record's token is the one sent
            UUID token = messageId == null ? UUID.randomUUID() : UUID.nameUUIDFromBytes(
                    (id + "|" + messageId + "|" + schedule.name() + "|" + scheduled++).getBytes(StandardCharsets.UTF_8));
            UUID replaced = doc.schedules().put(schedule.name(), token);
            if (replaced != null) {
                withdrawn.add(replaced);
            }
            effects.add(c -> c.send(Address.queue(c.endpoint()), m,
                    options().withMessageId(token).withDelay(schedule.delay())));
        }

        @Override
        public Void request(Activity.SendRequest a) {
            Object m = a.message().apply(this);
            // the response, or the Fault of the request, comes back to this saga's own queue
            effects.add(c -> c.send(a.request().destination(), m, options().withResponseAddress(Address.queue(c.endpoint()))));
            scheduleTimeout(a.request().timeout(), a.request().timeoutMessage(id));
            return null;
        }

        @Override
        public Void unschedule(Activity.Unschedule a) {
            UUID cleared = doc.schedules().remove(a.schedule().name());
            if (cleared != null) {
                withdrawn.add(cleared);
            }
            return null;
        }

        @Override
        public Void transitionTo(Activity.TransitionTo a) {
            if (a.target().equals(state)) {
                return null;
            }
            if (++transitions > MAX_TRANSITIONS) {
                throw new IllegalStateException(model.name() + ": more than " + MAX_TRANSITIONS
                        + " transitions for one event: enter/leave activities loop (instance " + id + ")");
            }
            execute(model.onLeave(state));
            state = a.target();
            execute(model.onEnter(state));
            return null;
        }

        @Override
        public Void branch(Activity.Branch a) {
            execute(a.condition().test(this) ? a.then() : a.otherwise());
            return null;
        }
    }
}
