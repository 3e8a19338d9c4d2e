package dev.omnibus.saga.model;

import dev.omnibus.saga.Event;
import dev.omnibus.saga.Schedule;
import dev.omnibus.saga.State;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Static checks of a {@link MachineModel}, each finding naming the state and event concerned:
 * <ul>
 *   <li>{@link Check#UNREACHABLE_STATE}: declared but no transition leads there from the initial state;</li>
 *   <li>{@link Check#UNHANDLED_EVENT}: a state neither handles nor {@code ignore}s an event (checked
 *       for declared states an instance can rest in, see {@link MachineModel#restingStates()}; the
 *       initial state handles only the events that start an instance);</li>
 *   <li>{@link Check#WAITING_WITHOUT_TIMEOUT}: a resting state handles no schedule's event, so an instance
 *       there waits on others for ever if they never answer;</li>
 *   <li>{@link Check#NO_PATH_TO_FINAL}: no transitions lead from a state to {@link State#FINAL};</li>
 *   <li>{@link Check#EVENT_WITHOUT_CORRELATION}: an event declared without a correlation, so it
 *       relies on senders setting the envelope's correlationId.</li>
 * </ul>
 * A machine silences a finding it accepts with {@code silence(check, state, event)}. Stateless;
 * thread-safe.
 */
public final class ModelChecks {
    private ModelChecks() {
    }

    /** Every finding not silenced. */
    public static List<Finding> run(MachineModel model) {
        List<Finding> all = new ArrayList<>();
        String m = model.name();
        List<Transition> edges = model.transitions();
        Set<State> reachable = reach(State.INITIAL, edges, false);
        Set<State> reachFinal = reach(State.FINAL, edges, true);
        List<State> declared = model.states().stream()
                .filter(s -> !s.equals(State.INITIAL) && !s.equals(State.FINAL)).toList();
        Set<State> resting = model.restingStates();
        List<State> waiting = declared.stream().filter(resting::contains).toList();
        for (State s : declared) {
            if (!reachable.contains(s)) {
                all.add(new Finding(Check.UNREACHABLE_STATE, s.name(), null,
                        m + ": state " + s + " is unreachable: no transitionTo(" + s + ") from a state the initial state leads to"));
            }
        }
        for (State s : waiting) {
            for (Event<?> e : model.events()) {
                if (e.isComposite() || implicitlyHandled(model, s, e)) {
                    continue;
                }
                if (model.behavior(s, e).isEmpty()) {
                    all.add(new Finding(Check.UNHANDLED_EVENT, s.name(), e.name(),
                            m + ": state " + s + " neither handles nor ignores event " + e
                                    + ": add during(" + s + ", when(" + e + ")...) or ignore(" + e + ")"));
                }
            }
        }
        for (State s : waiting) {
            boolean timeout = false;
            for (Schedule<?> sc : model.schedules()) {
                Optional<Behavior> b = model.behavior(s, sc.received());
                timeout |= b.isPresent() && !b.get().ignored();
            }
            if (!timeout) {
                all.add(new Finding(Check.WAITING_WITHOUT_TIMEOUT, s.name(), null,
                        m + ": state " + s + " handles no schedule's event: an instance waits there for ever if no event comes"));
            }
        }
        for (State s : model.states()) {
            if (!s.equals(State.FINAL) && !reachFinal.contains(s) && (reachable.contains(s) || s.equals(State.INITIAL))) {
                all.add(new Finding(Check.NO_PATH_TO_FINAL, s.name(), null,
                        m + ": no path leads from state " + s + " to Final: instances there never finish"));
            }
        }
        for (Event<?> e : model.events()) {
            if (!e.isComposite() && e.correlation() == null) {
                all.add(new Finding(Check.EVENT_WITHOUT_CORRELATION, null, e.name(),
                        m + ": event " + e + " has no correlation: it relies on senders setting the envelope's correlationId;"
                                + " declare event(" + e.name() + ".class, " + e.name() + "::id)"));
            }
        }
        return all.stream().filter(f -> !model.isSilenced(f)).toList();
    }

    /** A constituent of a composite event the state handles needs no behaviour of its own. */
    static boolean implicitlyHandled(MachineModel model, State s, Event<?> e) {
        for (Event<?> c : model.compositesOf(e)) {
            if (model.behavior(s, c).isPresent()) {
                return true;
            }
        }
        return false;
    }

    private static Set<State> reach(State start, List<Transition> edges, boolean backwards) {
        Set<State> seen = new HashSet<>();
        Deque<State> todo = new ArrayDeque<>();
        seen.add(start);
        todo.add(start);
        while (!todo.isEmpty()) {
            State s = todo.poll();
            for (Transition t : edges) {
                State from = backwards ? t.to() : t.from();
                State to = backwards ? t.from() : t.to();
                if (from.equals(s) && seen.add(to)) {
                    todo.add(to);
                }
            }
        }
        return seen;
    }
}
