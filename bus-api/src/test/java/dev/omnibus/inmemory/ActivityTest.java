package dev.omnibus.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The broker's idle bookkeeping ({@link Activity}, read by {@link InMemoryBroker#isIdle}): every change a
 * queue sees moves the change count, and the count in flight follows hand-overs and settlements, with both
 * kept in one word.
 */
class ActivityTest {

    /** A consumer with a window of {@code room} that keeps what it is handed. */
    private static final class Taker implements InMemoryQueue.Consumer {
        final List<Object> taken = new ArrayList<>();
        int room;

        Taker(int room) {
            this.room = room;
        }

        @Override
        public boolean hasRoom() {
            return room > 0;
        }

        @Override
        public void deliver(Object m) {
            room--;
            taken.add(m);
        }
    }

    @Test
    void aMessageLeftWaitingIsAChange() throws Exception {
        Activity activity = new Activity();
        InMemoryQueue q = new InMemoryQueue("q", 10, false, activity);
        long before = activity.version();

        q.offer("m1", 0); // no consumer: it waits

        assertThat(activity.version()).isNotEqualTo(before);
        assertThat(activity.inFlight()).isZero();

        Taker full = new Taker(0);
        q.attach(full);
        long attached = activity.version();
        q.offer("m2", 0); // a consumer without room: it waits too

        assertThat(activity.version()).isNotEqualTo(attached);
        assertThat(q.hasWorkWaiting()).isTrue();
        assertThat(activity.inFlight()).isZero();
    }

    @Test
    void handOversAndSettlementsCountInFlightAndEachIsAChange() throws Exception {
        Activity activity = new Activity();
        InMemoryQueue q = new InMemoryQueue("q", 10, false, activity);
        Taker taker = new Taker(3);
        q.attach(taker);
        long v0 = activity.version();

        q.offer("a", 0);
        long v1 = activity.version();
        q.offer("b", 0);
        long v2 = activity.version();
        q.offer("c", 0);

        assertThat(taker.taken).containsExactly("a", "b", "c");
        assertThat(activity.inFlight()).isEqualTo(3);
        assertThat(v1).isNotEqualTo(v0);
        assertThat(v2).isNotEqualTo(v1);
        assertThat(activity.version()).isNotEqualTo(v2);

        for (int i = 0; i < 3; i++) {
            long v = activity.version();
            activity.settled();
            assertThat(activity.version()).isNotEqualTo(v);
            assertThat(activity.inFlight()).isEqualTo(2 - i);
        }
        activity.changed();
        assertThat(activity.inFlight()).isZero();
    }
}
