package dev.omnibus.saga.model;

import dev.omnibus.saga.Event;
import dev.omnibus.saga.Request;
import dev.omnibus.saga.Schedule;
import dev.omnibus.saga.State;
import dev.omnibus.saga.UnhandledEventPolicy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The immutable model of a state machine: states × events → {@link Behavior}, enter and leave
 * activities, and the machine's options. Built once by {@link dev.omnibus.saga.StateMachine#model()};
 * the runtime executes it, {@link dev.omnibus.saga.diagram.SagaDiagram} draws it and
 * {@link ModelChecks} analyses it. Thread-safe.
 */
public final class MachineModel {
    /** A finding the machine's author silenced deliberately; null state or event matches any. */
    public record Silence(Check check, String state, String event) {
        boolean matches(Finding f) {
            return f.check() == check && (state == null || state.equals(f.state()))
                    && (event == null || event.equals(f.event()));
        }
    }

    private final String name;
    private final Class<?> stateType;
    private final List<State> states;
    private final List<Event<?>> events;
    private final List<Schedule<?>> schedules;
    private final List<Request<?, ?>> requests;
    private final Map<State, Map<Event<?>, Behavior>> during;
    private final Map<Event<?>, Behavior> duringAny;
    private final Map<State, List<Activity>> onEnter;
    private final Map<State, List<Activity>> onLeave;
    private final UnhandledEventPolicy unhandled;
    private final boolean removeWhenFinalized;
    private final List<Silence> silenced;
    private final Map<Class<?>, Event<?>> byType = new LinkedHashMap<>();

    /** Called by the DSL; the maps are copied. */
    public MachineModel(String name, Class<?> stateType, List<State> states, List<Event<?>> events,
            List<Schedule<?>> schedules, List<Request<?, ?>> requests, Map<State, Map<Event<?>, Behavior>> during, Map<Event<?>, Behavior> duringAny,
            Map<State, List<Activity>> onEnter, Map<State, List<Activity>> onLeave, UnhandledEventPolicy unhandled,
            boolean removeWhenFinalized, List<Silence> silenced) {
        this.name = name;
        this.stateType = stateType;
        this.states = List.copyOf(states);
        this.events = List.copyOf(events);
        this.schedules = List.copyOf(schedules);
        this.requests = List.copyOf(requests);
        Map<State, Map<Event<?>, Behavior>> d = new LinkedHashMap<>();
        during.forEach((s, m) -> d.put(s, Collections.unmodifiableMap(new LinkedHashMap<>(m))));
        this.during = Collections.unmodifiableMap(d);
        this.duringAny = Collections.unmodifiableMap(new LinkedHashMap<>(duringAny));
        this.onEnter = copy(onEnter);
        this.onLeave = copy(onLeave);
        this.unhandled = unhandled;
        this.removeWhenFinalized = removeWhenFinalized;
        this.silenced = List.copyOf(silenced);
        for (Event<?> e : events) {
            if (e.messageType() != null && e.faultedType() == null) { // Fault<Q> events: one per Q, not by class
                byType.put(e.messageType(), e);
            }
        }
    }

    private static Map<State, List<Activity>> copy(Map<State, List<Activity>> m) {
        Map<State, List<Activity>> c = new LinkedHashMap<>();
        m.forEach((k, v) -> c.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(c);
    }

    /** The machine's name (its class's simple name unless overridden). */
    public String name() {
        return name;
    }

    /** The user's saga state class. */
    public Class<?> stateType() {
        return stateType;
    }

    /** Every state: {@link State#INITIAL}, the declared ones in order, {@link State#FINAL}. */
    public List<State> states() {
        return states;
    }

    /** Every event, in declaration order (schedule events and composite events included). */
    public List<Event<?>> events() {
        return events;
    }

    /** Every schedule. */
    public List<Schedule<?>> schedules() {
        return schedules;
    }

    /** Every request. */
    public List<Request<?, ?>> requests() {
        return requests;
    }

    /** The request whose response (or, when declared with one, whose fault event) is {@code event}, if any. */
    public Optional<Request<?, ?>> requestCompletedBy(Event<?> event) {
        return requests.stream().filter(r -> r.completed() == event || r.faulted() == event).findFirst();
    }

    /** The schedule whose message raises {@code event}, if any. */
    public Optional<Schedule<?>> scheduleOf(Event<?> event) {
        return schedules.stream().filter(s -> s.received() == event).findFirst();
    }

    /** The event bound to a message type, if any. */
    public Optional<Event<?>> eventFor(Class<?> messageType) {
        return Optional.ofNullable(byType.get(messageType));
    }

    /** The composite events {@code event} is a constituent of. */
    public List<Event<?>> compositesOf(Event<?> event) {
        List<Event<?>> out = new ArrayList<>();
        for (Event<?> e : events) {
            if (e.constituents().contains(event)) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * What {@code state} does with {@code event}: its own behaviour, else the {@code duringAny}
     * one (which applies to every state but the initial and final ones).
     */
    public Optional<Behavior> behavior(State state, Event<?> event) {
        Map<Event<?>, Behavior> m = during.get(state);
        Behavior b = m == null ? null : m.get(event);
        if (b == null && !state.equals(State.INITIAL) && !state.equals(State.FINAL)) {
            b = duringAny.get(event);
        }
        return Optional.ofNullable(b);
    }

    /** The behaviours declared for {@code state} itself (not those of {@code duringAny}). */
    public Map<Event<?>, Behavior> during(State state) {
        return during.getOrDefault(state, Map.of());
    }

    /** The behaviours declared with {@code duringAny}. */
    public Map<Event<?>, Behavior> duringAny() {
        return duringAny;
    }

    /** Activities run when an instance enters {@code state}. */
    public List<Activity> onEnter(State state) {
        return onEnter.getOrDefault(state, List.of());
    }

    /** Activities run when an instance leaves {@code state}. */
    public List<Activity> onLeave(State state) {
        return onLeave.getOrDefault(state, List.of());
    }

    /** What happens to an event a state does not handle. */
    public UnhandledEventPolicy unhandledEventPolicy() {
        return unhandled;
    }

    /** Whether an instance is deleted when it reaches {@link State#FINAL}. */
    public boolean removeWhenFinalized() {
        return removeWhenFinalized;
    }

    /** The findings silenced deliberately. */
    public List<Silence> silenced() {
        return silenced;
    }

    /** Whether {@code finding} was silenced deliberately. */
    public boolean isSilenced(Finding finding) {
        return silenced.stream().anyMatch(s -> s.matches(finding));
    }

    /**
     * Every edge of the state chart: for each state and each event it handles, the moves its
     * activities make, in order ({@code transitionTo(a).finalizeInstance()} in state {@code s} is
     * {@code s → a} then {@code a → Final}, both labelled with the event); a branch's moves are
     * conditional. Enter activities that move on are edges without an event.
     */
    public List<Transition> transitions() {
        return walk().edges;
    }

    /**
     * The states an instance can rest in between events: the initial state and each state some
     * event's activities end in (not those only passed through on the way elsewhere), final excluded.
     */
    public Set<State> restingStates() {
        Set<State> out = new LinkedHashSet<>();
        out.add(State.INITIAL);
        out.addAll(walk().ends);
        out.remove(State.FINAL);
        return out;
    }

    private record Walk(List<Transition> edges, Set<State> ends) {
    }

    private Walk walk() {
        Set<Transition> edges = new LinkedHashSet<>();
        Set<State> ends = new LinkedHashSet<>();
        for (State s : states) {
            if (s.equals(State.FINAL)) {
                continue;
            }
            for (Event<?> e : events) {
                Optional<Behavior> b = behavior(s, e);
                if (b.isEmpty() || b.get().ignored()) {
                    continue;
                }
                Set<State> end = follow(b.get().activities(), Set.of(s), e.name(), false, edges);
                end.remove(s);
                ends.addAll(end);
            }
            Set<State> end = follow(onEnter(s), Set.of(s), null, false, edges);
            if (!end.equals(Set.of(s))) {
                ends.remove(s);
                end.remove(s);
                ends.addAll(end);
            }
        }
        return new Walk(List.copyOf(edges), ends);
    }

    /** Follows the moves of {@code activities} from {@code current}; returns the states it may end in. */
    private static Set<State> follow(List<Activity> activities, Set<State> current, String event, boolean conditional,
            Set<Transition> edges) {
        Set<State> now = new LinkedHashSet<>(current);
        for (Activity a : activities) {
            if (a instanceof Activity.TransitionTo t) {
                for (State from : now) {
                    if (!from.equals(t.target())) {
                        edges.add(new Transition(from, event, t.target(), conditional));
                    }
                }
                now = new LinkedHashSet<>(Set.of(t.target()));
            } else if (a instanceof Activity.Branch br) {
                Set<State> next = new LinkedHashSet<>(follow(br.then(), now, event, true, edges));
                next.addAll(follow(br.otherwise(), now, event, true, edges));
                now = next;
            }
        }
        return now;
    }

    /** Whether any of {@code activities} (branches included) schedules {@code schedule}. */
    public static boolean schedules(List<Activity> activities, Schedule<?> schedule) {
        for (Activity a : activities) {
            if (a instanceof Activity.ScheduleMessage sm && sm.schedule() == schedule) {
                return true;
            }
            if (a instanceof Activity.SendRequest sr && sr.request().timeout() == schedule) {
                return true;
            }
            if (a instanceof Activity.Branch br && (schedules(br.then(), schedule) || schedules(br.otherwise(), schedule))) {
                return true;
            }
        }
        return false;
    }
}
