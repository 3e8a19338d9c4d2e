package dev.omnibus.saga.model;

import dev.omnibus.Address;
import dev.omnibus.saga.BehaviorContext;
import dev.omnibus.saga.Schedule;
import dev.omnibus.saga.State;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One step a saga takes when an event arrives (or a state is entered or left). The DSL builds
 * these; the runtime executes them and the diagram exporter and model checks read them, each
 * through an {@link ActivityVisitor}. Immutable values; the functions are the user's code.
 */
public sealed interface Activity {
    /** Dispatches to the visitor's method for this kind of activity. */
    <R> R accept(ActivityVisitor<R> visitor);

    /** Runs code on the instance. */
    record Then(Consumer<BehaviorContext<Object, Object>> action) implements Activity {
        public <R> R accept(ActivityVisitor<R> v) {
            return v.then(this);
        }
    }

    /** Publishes the message the function builds (after the instance is saved). */
    record Publish(Function<BehaviorContext<Object, Object>, Object> message) implements Activity {
        public <R> R accept(ActivityVisitor<R> v) {
            return v.publish(this);
        }
    }

    /** Sends the message the function builds to an address (after the instance is saved). */
    record Send(Address destination, Function<BehaviorContext<Object, Object>, Object> message) implements Activity {
        public <R> R accept(ActivityVisitor<R> v) {
            return v.send(this);
        }
    }

    /** Responds to the consumed message (a request) with the message the function builds. */
    record Respond(Function<BehaviorContext<Object, Object>, Object> message) implements Activity {
        public <R> R accept(ActivityVisitor<R> v) {
            return v.respond(this);
        }
    }

    /** Schedules the schedule's message (replacing a pending one). */
    record ScheduleMessage(Schedule<?> schedule, Function<BehaviorContext<Object, Object>, Object> message) implements Activity {
        public <R> R accept(ActivityVisitor<R> v) {
            return v.schedule(this);
        }
    }

    /** Sends the request built by the function and schedules its timeout. */
    record SendRequest(dev.omnibus.saga.Request<?, ?> request, Function<BehaviorContext<Object, Object>, Object> message)
            implements Activity {
        public <R> R accept(ActivityVisitor<R> v) {
            return v.request(this);
        }
    }

    /** Clears the schedule: its pending message, if any, will be dropped on arrival. */
    record Unschedule(Schedule<?> schedule) implements Activity {
        public <R> R accept(ActivityVisitor<R> v) {
            return v.unschedule(this);
        }
    }

    /** Moves the instance to a state (leave and enter activities run when the state changes). */
    record TransitionTo(State target) implements Activity {
        public TransitionTo {
            Objects.requireNonNull(target, "target");
        }

        public <R> R accept(ActivityVisitor<R> v) {
            return v.transitionTo(this);
        }
    }

    /** Runs one list of activities or the other, by a condition on the context. */
    record Branch(Predicate<BehaviorContext<Object, Object>> condition, List<Activity> then, List<Activity> otherwise)
            implements Activity {
        public Branch {
            then = List.copyOf(then);
            otherwise = List.copyOf(otherwise);
        }

        public <R> R accept(ActivityVisitor<R> v) {
            return v.branch(this);
        }
    }
}
