package dev.omnibus.saga;

import dev.omnibus.Address;
import dev.omnibus.saga.model.Activity;
import dev.omnibus.saga.model.Behavior;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The activities a state runs for one event, in order, built by chaining:
 *
 * <pre>{@code
 * when(submitted)
 *     .then(ctx -> ctx.instance().total = ctx.message().total())
 *     .publish(ctx -> new ProcessOrder(ctx.id()))
 *     .schedule(paymentTimeout, ctx -> new PaymentTimeout(ctx.id()))
 *     .transitionTo(pending)
 * }</pre>
 *
 * Messages built by {@code publish}, {@code send}, {@code respond} and {@code schedule} go out after
 * the instance was saved, so an instance that loses a concurrency race and runs again does not
 * produce them twice. Obtained from {@code when(event)} / {@code ignore(event)} in a
 * {@link StateMachine}'s constructor; not thread-safe; frozen into the model when the machine is built.
 *
 * @param <S> the saga state type
 * @param <T> the message type
 */
public final class EventActivities<S, T> {
    private final Event<T> event;
    private final boolean ignored;
    private final List<Activity> activities = new ArrayList<>();

    EventActivities(Event<T> event, boolean ignored) {
        this.event = event;
        this.ignored = ignored;
    }

    /** Runs code on the instance. */
    @SuppressWarnings("unchecked")
    public EventActivities<S, T> then(Consumer<? super BehaviorContext<S, T>> action) {
        Objects.requireNonNull(action, "action");
        return add(new Activity.Then(ctx -> ((Consumer<BehaviorContext<S, T>>) action).accept(cast(ctx))));
    }

    /** Publishes the message built by {@code message}, with the instance id as correlation id. */
    public EventActivities<S, T> publish(Function<? super BehaviorContext<S, T>, ?> message) {
        Objects.requireNonNull(message, "message");
        return add(new Activity.Publish(ctx -> message.apply(cast(ctx))));
    }

    /** Sends the message built by {@code message} to {@code destination}, with the instance id as correlation id. */
    public EventActivities<S, T> send(Address destination, Function<? super BehaviorContext<S, T>, ?> message) {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(message, "message");
        return add(new Activity.Send(destination, ctx -> message.apply(cast(ctx))));
    }

    /** Responds to the consumed message (a request) with the message built by {@code message}. */
    public EventActivities<S, T> respond(Function<? super BehaviorContext<S, T>, ?> message) {
        Objects.requireNonNull(message, "message");
        return add(new Activity.Respond(ctx -> message.apply(cast(ctx))));
    }

    /**
     * Schedules {@code schedule}'s message, built by {@code message}, to arrive at this saga's endpoint
     * after the schedule's delay; replaces a pending one.
     */
    public <M> EventActivities<S, T> schedule(Schedule<M> schedule, Function<? super BehaviorContext<S, T>, ? extends M> message) {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(message, "message");
        return add(new Activity.ScheduleMessage(schedule, ctx -> message.apply(cast(ctx))));
    }

    /**
     * Sends {@code request}'s message, built by {@code message}, to its destination with the
     * instance id as correlation id, and schedules its timeout (replacing a pending one).
     */
    public <Q> EventActivities<S, T> request(Request<Q, ?> request, Function<? super BehaviorContext<S, T>, ? extends Q> message) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(message, "message");
        return add(new Activity.SendRequest(request, ctx -> message.apply(cast(ctx))));
    }

    /** Clears {@code schedule}: its pending message, if any, is dropped when it arrives. */
    public EventActivities<S, T> unschedule(Schedule<?> schedule) {
        return add(new Activity.Unschedule(Objects.requireNonNull(schedule, "schedule")));
    }

    /** Moves the instance to {@code state}; the old state's leave and the new one's enter activities run. */
    public EventActivities<S, T> transitionTo(State state) {
        return add(new Activity.TransitionTo(state));
    }

    /** Moves the instance to {@link State#FINAL}: its work is done (and it is removed if the machine says so). */
    public EventActivities<S, T> finalizeInstance() {
        return add(new Activity.TransitionTo(State.FINAL));
    }

    /** Runs {@code then}'s activities when {@code condition} holds. */
    public EventActivities<S, T> ifThen(Predicate<? super BehaviorContext<S, T>> condition,
            UnaryOperator<EventActivities<S, T>> then) {
        return ifElse(condition, then, b -> b);
    }

    /** Runs {@code then}'s activities when {@code condition} holds, {@code otherwise}'s when not. */
    public EventActivities<S, T> ifElse(Predicate<? super BehaviorContext<S, T>> condition,
            UnaryOperator<EventActivities<S, T>> then, UnaryOperator<EventActivities<S, T>> otherwise) {
        Objects.requireNonNull(condition, "condition");
        List<Activity> yes = then.apply(new EventActivities<>(event, false)).activities;
        List<Activity> no = otherwise.apply(new EventActivities<>(event, false)).activities;
        return add(new Activity.Branch(ctx -> condition.test(cast(ctx)), yes, no));
    }

    Event<T> event() {
        return event;
    }

    Behavior toBehavior() {
        return new Behavior(event, activities, ignored);
    }

    List<Activity> activities() {
        return List.copyOf(activities);
    }

    private EventActivities<S, T> add(Activity a) {
        if (ignored) {
            throw new IllegalStateException("event " + event + " is ignored here: an ignored event has no activities");
        }
        activities.add(a);
        return this;
    }

    @SuppressWarnings("unchecked")
    private static <S, T> BehaviorContext<S, T> cast(BehaviorContext<Object, Object> ctx) {
        return (BehaviorContext<S, T>) (BehaviorContext<?, ?>) ctx;
    }
}
