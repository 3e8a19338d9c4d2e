package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Headers;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The FIFO group gate's bookkeeping ({@link FifoGroups}): pure logic, no server. */
class FifoGroupsTest {
    private static SqsDelivery d(String group, String receipt) {
        return new SqsDelivery(null, new byte[0], Headers.empty(), receipt, 1, null, group);
    }

    @Test
    void oneOfAGroupGoesOutAndTheNextWhenItIsAcknowledged() {
        FifoGroups g = new FifoGroups();
        SqsDelivery a1 = d("a", "a1");
        SqsDelivery a2 = d("a", "a2");
        SqsDelivery b1 = d("b", "b1");
        SqsDelivery a3 = d("a", "a3");
        assertThat(g.admit(List.of(a1, a2, b1))).containsExactly(a1, b1);
        assertThat(g.admit(List.of(a3))).isEmpty();
        assertThat(g.settled(a1, false).next()).isSameAs(a2);
        assertThat(g.settled(b1, false)).isEqualTo(FifoGroups.After.NOTHING);
        assertThat(g.settled(a2, false).next()).isSameAs(a3);
        assertThat(g.settled(a3, false)).isEqualTo(FifoGroups.After.NOTHING);
        assertThat(g.groupCount()).isZero();
    }

    @Test
    void aRequeueReturnsTheGroupsWaitingMessagesAndHandsOutNone() {
        FifoGroups g = new FifoGroups();
        SqsDelivery a1 = d("a", "a1");
        SqsDelivery a2 = d("a", "a2");
        SqsDelivery a3 = d("a", "a3");
        g.admit(List.of(a1, a2, a3));
        FifoGroups.After after = g.settled(a1, true);
        assertThat(after.next()).isNull();
        assertThat(after.returned()).containsExactly(a2, a3);
        // the returned ones settle next (claimed and made visible): nothing more happens
        assertThat(g.settled(a2, true)).isEqualTo(FifoGroups.After.NOTHING);
        assertThat(g.settled(a3, true)).isEqualTo(FifoGroups.After.NOTHING);
        assertThat(g.groupCount()).isZero();
        // the group starts afresh when SQS delivers it again
        SqsDelivery again = d("a", "a1-again");
        assertThat(g.admit(List.of(again))).containsExactly(again);
    }

    @Test
    void aWaitingMessageSettledAtAStopLeavesTheGroupConsistent() {
        FifoGroups g = new FifoGroups();
        SqsDelivery a1 = d("a", "a1");
        SqsDelivery a2 = d("a", "a2");
        g.admit(List.of(a1, a2));
        assertThat(g.settled(a2, true)).isEqualTo(FifoGroups.After.NOTHING); // returned at close, never out
        assertThat(g.settled(a1, false)).isEqualTo(FifoGroups.After.NOTHING);
        assertThat(g.groupCount()).isZero();
    }
}
