package dev.omnibus.saga.model;

/**
 * Walks {@link Activity} values: one method per kind. The runtime, the diagram exporter and the
 * model checks are visitors.
 *
 * @param <R> what a visit returns
 */
public interface ActivityVisitor<R> {
    R then(Activity.Then a);

    R publish(Activity.Publish a);

    R send(Activity.Send a);

    R respond(Activity.Respond a);

    R schedule(Activity.ScheduleMessage a);

    R unschedule(Activity.Unschedule a);

    R request(Activity.SendRequest a);

    R transitionTo(Activity.TransitionTo a);

    R branch(Activity.Branch a);
}
