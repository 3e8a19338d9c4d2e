package dev.omnibus.saga.model;

import dev.omnibus.saga.Event;
import java.util.List;

/**
 * What a state does with one event: the activities in order, or nothing because the event is
 * explicitly ignored there.
 *
 * @param event      the event
 * @param activities the activities, in order (empty when ignored)
 * @param ignored    whether the event is ignored in this state
 */
public record Behavior(Event<?> event, List<Activity> activities, boolean ignored) {
    public Behavior {
        activities = List.copyOf(activities);
    }
}
