package dev.omnibus.saga;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnibus.ConfigurationException;
import dev.omnibus.saga.internal.SagaCodec;
import dev.omnibus.saga.model.Activity;
import dev.omnibus.saga.model.Behavior;
import dev.omnibus.saga.model.Check;
import dev.omnibus.saga.model.Finding;
import dev.omnibus.saga.model.MachineModel;
import dev.omnibus.saga.model.ModelChecks;
import dev.omnibus.saga.spi.SagaRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A saga declared as a state machine over the user's state class {@code S}. Subclass it and
 * declare states, events and behaviour in the constructor; it reads as the state chart:
 *
 * <pre>{@code
 * public final class OrderSaga extends StateMachine<OrderState> {
 *     final State pending = state("Pending"), accepted = state("Accepted"), cancelled = state("Cancelled");
 *     final Event<OrderSubmitted> submitted = event(OrderSubmitted.class, OrderSubmitted::orderId);
 *     final Event<OrderProcessed> processed = event(OrderProcessed.class, OrderProcessed::orderId);
 *     final Event<OrderCancelled> cancel = event(OrderCancelled.class, OrderCancelled::orderId);
 *     final Schedule<PaymentTimeout> paymentTimeout =
 *             schedule("PaymentTimeout", PaymentTimeout.class, PaymentTimeout::orderId, Duration.ofHours(1));
 *
 *     public OrderSaga() {
 *         super(OrderState.class);
 *         initially(when(submitted)
 *             .publish(ctx -> new ProcessOrder(ctx.id()))
 *             .schedule(paymentTimeout, ctx -> new PaymentTimeout(ctx.id()))
 *             .transitionTo(pending));
 *         during(pending,
 *             when(processed).unschedule(paymentTimeout).transitionTo(accepted).finalizeInstance(),
 *             when(cancel).transitionTo(cancelled).finalizeInstance(),
 *             when(paymentTimeout.received()).transitionTo(cancelled).finalizeInstance(),
 *             ignore(submitted));
 *     }
 * }
 * }</pre>
 *
 * <h2>Semantics</h2>
 * An event's message finds its instance by its correlation; an instance that does not exist is in
 * {@link State#INITIAL}. The state's behaviour for the event runs its activities in order (a
 * {@code duringAny} behaviour applies where a state has none of its own, except in the initial and
 * final states); an event a state {@code ignore}s is acknowledged and dropped; an event a state does
 * not handle fails the message ({@link UnhandledEventPolicy#FAULT}, the default) or is dropped
 * ({@link #onUnhandledEvent}). The instance is then saved, and only then are its messages produced.
 *
 * <h2>The model</h2>
 * {@link #model()} freezes the declarations into an immutable {@link MachineModel} (once; later
 * declarations fail), validates it (problems together in one {@link ConfigurationException}) and
 * runs the {@link ModelChecks}, logging each finding at WARN, or failing on them after
 * {@link #failOnFindings()}. The JSON form of {@code S} is Jackson's, with fields visible: a
 * plain class with a no-argument constructor and public or private fields works.
 *
 * <p>Declare in the constructor only (one thread); after that the machine is immutable and
 * thread-safe, and one instance may serve any number of endpoints and buses.
 *
 * @param <S> the user's saga state class
 */
public abstract class StateMachine<S> {
    private static final Logger LOG = LoggerFactory.getLogger(StateMachine.class);

    private final Class<S> stateType;
    private final List<State> states = new ArrayList<>();
    private final List<Event<?>> events = new ArrayList<>();
    private final List<Schedule<?>> schedules = new ArrayList<>();
    private final List<Request<?, ?>> requests = new ArrayList<>();
    private final Map<State, Map<Event<?>, Behavior>> during = new LinkedHashMap<>();
    private final Map<Event<?>, Behavior> duringAny = new LinkedHashMap<>();
    private final Map<State, List<Activity>> onEnter = new LinkedHashMap<>();
    private final Map<State, List<Activity>> onLeave = new LinkedHashMap<>();
    private final List<MachineModel.Silence> silenced = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private UnhandledEventPolicy unhandled = UnhandledEventPolicy.FAULT;
    private boolean removeWhenFinalized;
    private boolean failOnFindings;
    private ObjectMapper mapper;
    private volatile MachineModel model;
    private volatile SagaCodec<S> codec;

    /** @param stateType the saga state class: a Jackson-serializable class with a no-argument constructor */
    protected StateMachine(Class<S> stateType) {
        this.stateType = Objects.requireNonNull(stateType, "stateType");
    }

    /** The machine's name, used in logs, diagrams and findings (default: the class's simple name). */
    public String name() {
        return getClass().getSimpleName();
    }

    // ---- declarations ----

    /** Declares a state. */
    protected final State state(String name) {
        checkOpen();
        State s = new State(name);
        if (s.equals(State.INITIAL) || s.equals(State.FINAL)) {
            problems.add(name() + ": '" + name + "' is a built-in state (State.INITIAL / State.FINAL); choose another name");
        } else if (states.contains(s)) {
            problems.add(name() + ": state '" + name + "' is declared twice");
        }
        states.add(s);
        return s;
    }

    /** Declares an event raised by messages of {@code type}, correlated by the id {@code id} reads from the message. */
    protected final <T> Event<T> event(Class<T> type, Function<? super T, UUID> id) {
        Objects.requireNonNull(id, "id");
        return event(type.getSimpleName(), type, ctx -> id.apply(ctx.message()));
    }

    /** Declares an event raised by messages of {@code type}, correlated by a custom lookup. */
    protected final <T> Event<T> event(String name, Class<T> type, EventCorrelation<T> correlation) {
        Objects.requireNonNull(correlation, "correlation");
        return addEvent(new Event<>(name, type, correlation, List.of()));
    }

    /**
     * Declares an event correlated by the envelope's correlationId (which senders must set; the
     * model checks report it as {@link Check#EVENT_WITHOUT_CORRELATION}).
     */
    protected final <T> Event<T> event(Class<T> type) {
        return addEvent(new Event<>(type.getSimpleName(), type, null, List.of()));
    }

    /**
     * Declares a composite event, raised in the instance's current state once every one of
     * {@code constituents} has arrived (in any order, each handled or passing through a state that
     * handles the composite). The composite's message is the last constituent's.
     */
    protected final Event<Object> compositeEvent(String name, Event<?>... constituents) {
        if (constituents.length < 2) {
            problems.add(name() + ": composite event '" + name + "' needs at least two constituents");
        }
        for (Event<?> c : constituents) {
            if (c.isComposite()) {
                problems.add(name() + ": composite event '" + name + "' cannot contain composite event " + c);
            }
        }
        return addEvent(new Event<>(name, null, null, Arrays.asList(constituents)));
    }

    /**
     * Declares a timeout: a message of {@code type} the machine schedules to itself, arriving after
     * {@code delay}, correlated by {@code id}.
     */
    protected final <M> Schedule<M> schedule(String name, Class<M> type, Function<? super M, UUID> id, Duration delay) {
        Objects.requireNonNull(id, "id");
        if (delay == null || delay.isNegative() || delay.isZero()) {
            problems.add(name() + ": schedule '" + name + "' needs a positive delay, was " + delay);
        }
        Event<M> received = addEvent(new Event<>(name, type, ctx -> id.apply(ctx.message()), List.of()));
        Schedule<M> s = new Schedule<>(name, delay == null ? Duration.ZERO : delay, received);
        schedules.add(s);
        return s;
    }

    /**
     * Declares a request to the service at {@code destination}: the {@code request(...)} activity
     * sends it with the instance id as correlation id and schedules {@code timeout} (its message
     * built by {@code timeoutMessage} from the instance id); {@code completed}, the event the
     * response raises, clears the timeout. Handle {@code completed} and {@code timeout.received()}
     * in the state that waits.
     *
     * <pre>{@code
     * final Event<StockStatus> stockChecked = event("StockChecked", StockStatus.class, EventCorrelation.byCorrelationId());
     * final Schedule<StockTimedOut> stockTimeout = schedule("StockTimeout", StockTimedOut.class, StockTimedOut::orderId, Duration.ofSeconds(30));
     * final Request<CheckStock, StockStatus> checkStock =
     *         request("CheckStock", Address.queue("stock"), stockChecked, stockTimeout, StockTimedOut::new);
     * }</pre>
     */
    protected final <Q, R, M> Request<Q, R> request(String name, dev.omnibus.Address destination, Event<R> completed,
            Schedule<M> timeout, Function<UUID, ? extends M> timeoutMessage) {
        return declareRequest(name, destination, completed, null, timeout, timeoutMessage);
    }

    /**
     * Declares a request as {@link #request(String, dev.omnibus.Address, Event, Schedule, Function)}
     * does, whose failure raises {@code faulted}: when the service's consumer fails on the request
     * after its retries, the bus sends the {@code Fault<Q>} to the request's response address (this
     * saga's queue); {@code faulted} then clears the timeout, as the response would.
     *
     * <pre>{@code
     * final Event<Fault<CheckStock>> stockFaulted = faultEvent("StockFaulted", CheckStock.class);
     * final Request<CheckStock, StockStatus> checkStock = request("CheckStock", Address.queue("stock"),
     *         stockChecked, stockFaulted, stockTimeout, StockTimedOut::new);
     * }</pre>
     */
    protected final <Q, R, M> Request<Q, R> request(String name, dev.omnibus.Address destination, Event<R> completed,
            Event<dev.omnibus.Fault<Q>> faulted, Schedule<M> timeout, Function<UUID, ? extends M> timeoutMessage) {
        Objects.requireNonNull(faulted, "faulted");
        return declareRequest(name, destination, completed, faulted, timeout, timeoutMessage);
    }

    /**
     * Declares an event raised by {@code Fault<Q>}, the fault the bus produces when a consumer of a
     * {@code Q} fails after its retries, correlated by the envelope's correlation id (a fault carries
     * the faulted message's, which for a saga's request is the instance id). Mostly for
     * {@link #request(String, dev.omnibus.Address, Event, Event, Schedule, Function)}; on its own it
     * needs the faults to reach the saga's endpoint (a response address, or published faults).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    protected final <Q> Event<dev.omnibus.Fault<Q>> faultEvent(String name, Class<Q> faultedType) {
        Objects.requireNonNull(faultedType, "faultedType");
        Class<dev.omnibus.Fault<Q>> fault = (Class) dev.omnibus.Fault.class;
        return addEvent(new Event<>(name, fault, EventCorrelation.byCorrelationId(), List.of(), faultedType));
    }

    private <Q, R, M> Request<Q, R> declareRequest(String name, dev.omnibus.Address destination, Event<R> completed,
            Event<?> faulted, Schedule<M> timeout, Function<UUID, ? extends M> timeoutMessage) {
        checkOpen();
        Request<Q, R> r = new Request<>(name, destination, completed, faulted, timeout, timeoutMessage);
        if (faulted != null && !events.contains(faulted)) {
            problems.add(name() + ": request '" + name + "' names event " + faulted + " of another machine");
        }
        if (!events.contains(completed)) {
            problems.add(name() + ": request '" + name + "' names event " + completed + " of another machine");
        }
        if (!schedules.contains(timeout)) {
            problems.add(name() + ": request '" + name + "' names schedule " + timeout + " of another machine");
        }
        for (Request<?, ?> other : requests) {
            if (other.completed() == completed || other.timeout() == timeout || (faulted != null && other.faulted() == faulted)) {
                problems.add(name() + ": requests '" + other.name() + "' and '" + name + "' share an event or a timeout");
            }
        }
        requests.add(r);
        return r;
    }

    private <T> Event<T> addEvent(Event<T> e) {
        checkOpen();
        for (Event<?> other : events) {
            if (other.name().equals(e.name())) {
                problems.add(name() + ": event '" + e.name() + "' is declared twice");
            }
            if (e.messageType() != null && e.messageType().equals(other.messageType())
                    && Objects.equals(e.faultedType(), other.faultedType())) {
                problems.add(name() + ": events '" + other.name() + "' and '" + e.name() + "' are both bound to "
                        + e.messageType().getName() + (e.faultedType() == null ? "" : "<" + e.faultedType().getName() + ">")
                        + ": a message type raises one event per machine");
            }
        }
        events.add(e);
        return e;
    }

    /** The activities for {@code event}: chain them, then pass the result to {@code initially}/{@code during}. */
    protected final <T> EventActivities<S, T> when(Event<T> event) {
        return new EventActivities<>(Objects.requireNonNull(event, "event"), false);
    }

    /** Marks {@code event} as ignored in the states it is passed to: it is acknowledged and dropped. */
    protected final <T> EventActivities<S, T> ignore(Event<T> event) {
        return new EventActivities<>(Objects.requireNonNull(event, "event"), true);
    }

    /** Behaviour of the initial state: the events that create an instance. */
    @SafeVarargs
    protected final void initially(EventActivities<S, ?>... behaviors) {
        register(List.of(State.INITIAL), behaviors);
    }

    /**
     * Behaviour in {@code state}. In {@link State#FINAL} only {@code ignore(event)} is allowed: late
     * or redelivered events for a finished instance that is kept can be dropped instead of faulting.
     */
    @SafeVarargs
    protected final void during(State state, EventActivities<S, ?>... behaviors) {
        register(List.of(state), behaviors);
    }

    /** Behaviour in each of {@code states}. */
    @SafeVarargs
    protected final void during(List<State> states, EventActivities<S, ?>... behaviors) {
        register(states, behaviors);
    }

    /** Behaviour in every state but the initial and final ones, where a state has none of its own for the event. */
    @SafeVarargs
    protected final void duringAny(EventActivities<S, ?>... behaviors) {
        checkOpen();
        for (EventActivities<S, ?> b : behaviors) {
            if (duringAny.put(b.event(), b.toBehavior()) != null) {
                problems.add(name() + ": duringAny handles event " + b.event() + " twice");
            }
        }
    }

    private void register(List<State> in, EventActivities<S, ?>[] behaviors) {
        checkOpen();
        for (State s : in) {
            if (s.equals(State.FINAL) && java.util.Arrays.stream(behaviors).anyMatch(b -> !b.toBehavior().ignored())) {
                problems.add(name() + ": a finalized instance handles no events, it can only ignore them: "
                        + "during(State.FINAL, ignore(event)...)");
                continue;
            }
            Map<Event<?>, Behavior> m = during.computeIfAbsent(s, k -> new LinkedHashMap<>());
            for (EventActivities<S, ?> b : behaviors) {
                if (m.put(b.event(), b.toBehavior()) != null) {
                    problems.add(name() + ": state " + s + " handles event " + b.event() + " twice");
                }
            }
        }
    }

    /** Activities run each time an instance enters {@code state} (after the transition). */
    protected final void whenEnter(State state, UnaryOperator<EventActivities<S, Object>> activities) {
        checkOpen();
        onEnter.computeIfAbsent(state, k -> new ArrayList<>())
                .addAll(activities.apply(new EventActivities<>(null, false)).activities());
    }

    /** Activities run each time an instance leaves {@code state} (before the transition). */
    protected final void whenLeave(State state, UnaryOperator<EventActivities<S, Object>> activities) {
        checkOpen();
        onLeave.computeIfAbsent(state, k -> new ArrayList<>())
                .addAll(activities.apply(new EventActivities<>(null, false)).activities());
    }

    /** What happens to an event a state does not handle (default {@link UnhandledEventPolicy#FAULT}). */
    protected final void onUnhandledEvent(UnhandledEventPolicy policy) {
        checkOpen();
        this.unhandled = Objects.requireNonNull(policy, "policy");
    }

    /** Deletes an instance from its repository when it reaches {@link State#FINAL} (default: kept, in state Final). */
    protected final void removeWhenFinalized() {
        checkOpen();
        this.removeWhenFinalized = true;
    }

    /** Makes unsilenced model-check findings fail {@link #model()} instead of being logged. */
    protected final void failOnFindings() {
        checkOpen();
        this.failOnFindings = true;
    }

    /** Accepts a finding deliberately; {@code state} or {@code event} null match any. */
    protected final void silence(Check check, State state, Event<?> event) {
        checkOpen();
        silenced.add(new MachineModel.Silence(check, state == null ? null : state.name(), event == null ? null : event.name()));
    }

    /** The Jackson mapper for {@code S} (default: a plain mapper with field visibility and java.time support). */
    protected final void jsonMapper(ObjectMapper mapper) {
        checkOpen();
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    private void checkOpen() {
        if (model != null) {
            throw new IllegalStateException(name() + " is built: declare states, events and behaviour in the constructor");
        }
    }

    // ---- the model ----

    /**
     * The immutable model, built and validated on first call.
     *
     * @throws ConfigurationException listing every problem in the declarations (and every
     *                                model-check finding, after {@link #failOnFindings()})
     */
    public final MachineModel model() {
        MachineModel m = model;
        if (m != null) {
            return m;
        }
        synchronized (this) {
            if (model != null) {
                return model;
            }
            List<String> all = new ArrayList<>(problems);
            List<State> allStates = new ArrayList<>();
            allStates.add(State.INITIAL);
            allStates.addAll(states);
            allStates.add(State.FINAL);
            validateTargets(allStates, all);
            if (during.getOrDefault(State.INITIAL, Map.of()).isEmpty()) {
                all.add(name() + ": no event creates an instance: declare initially(when(event)...)");
            }
            if (!all.isEmpty()) {
                throw new ConfigurationException(all);
            }
            m = new MachineModel(name(), stateType, allStates, events, schedules, requests, during, duringAny, onEnter, onLeave,
                    unhandled, removeWhenFinalized, silenced);
            List<Finding> findings = ModelChecks.run(m);
            if (!findings.isEmpty()) {
                if (failOnFindings) {
                    throw new ConfigurationException(findings.stream().map(Finding::toString).toList());
                }
                findings.forEach(f -> LOG.warn("Saga model check: {} (silence it with silence(Check.{}, state, event))", f, f.check()));
            }
            codec = new SagaCodec<>(stateType, mapper);
            model = m;
            return m;
        }
    }

    private void validateTargets(List<State> allStates, List<String> out) {
        List<List<Activity>> lists = new ArrayList<>();
        during.values().forEach(mm -> mm.values().forEach(b -> lists.add(b.activities())));
        duringAny.values().forEach(b -> lists.add(b.activities()));
        lists.addAll(onEnter.values());
        lists.addAll(onLeave.values());
        for (List<Activity> l : lists) {
            checkActivities(l, allStates, out);
        }
        for (Event<?> e : events) {
            for (Event<?> c : e.constituents()) {
                if (!events.contains(c)) {
                    out.add(name() + ": composite event " + e + " names event " + c + " of another machine");
                }
            }
        }
        for (State s : during.keySet()) {
            if (!allStates.contains(s)) {
                out.add(name() + ": during(" + s + ") names a state this machine did not declare");
            }
        }
        for (Map<Event<?>, Behavior> mm : during.values()) {
            for (Event<?> e : mm.keySet()) {
                if (!events.contains(e)) {
                    out.add(name() + ": when(" + e + ") names an event this machine did not declare");
                }
            }
        }
    }

    private void checkActivities(List<Activity> l, List<State> allStates, List<String> out) {
        for (Activity a : l) {
            if (a instanceof Activity.TransitionTo t && !allStates.contains(t.target())) {
                out.add(name() + ": transitionTo(" + t.target() + ") names a state this machine did not declare");
            }
            if (a instanceof Activity.ScheduleMessage sm && !schedules.contains(sm.schedule())) {
                out.add(name() + ": schedule(" + sm.schedule() + ") names a schedule this machine did not declare");
            }
            if (a instanceof Activity.SendRequest sr && !requests.contains(sr.request())) {
                out.add(name() + ": request(" + sr.request() + ") names a request this machine did not declare");
            }
            if (a instanceof Activity.Branch b) {
                checkActivities(b.then(), allStates, out);
                checkActivities(b.otherwise(), allStates, out);
            }
        }
    }

    /** The model-check findings not silenced (an empty list for a clean machine). */
    public final List<Finding> check() {
        return ModelChecks.run(model());
    }

    /** The JSON codec of this machine's instances (for the runtime). */
    final SagaCodec<S> codec() {
        model();
        return codec;
    }

    /** The instance with {@code id} in {@code repository}, decoded, if any. */
    public final Optional<SagaInstance<S>> find(SagaRepository repository, UUID id) {
        return repository.find(id).map(r -> {
            SagaCodec.Doc<S> d = codec().decode(r);
            return new SagaInstance<>(r.id(), new State(r.state()), r.version(), d.data());
        });
    }

    /** A new instance of the state class. */
    final S newState() {
        return codec().newState();
    }
}
