package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.saga.diagram.SagaDiagram;
import org.junit.jupiter.api.Test;

class SagaDiagramTest {
    @Test
    void theOrderSagaIsDrawnInMermaid() {
        assertThat(SagaDiagram.mermaid(new Orders.OrderSaga())).isEqualTo("""
                stateDiagram-v2
                    [*] --> Pending : OrderSubmitted
                    Pending --> Accepted : OrderProcessed
                    Accepted --> [*] : OrderProcessed
                    Pending --> Cancelled : OrderCancelled, PaymentTimeout
                    Cancelled --> [*] : OrderCancelled, PaymentTimeout
                """);
    }

    @Test
    void theOrderSagaIsDrawnInDot() {
        String dot = SagaDiagram.dot(new Orders.OrderSaga());
        assertThat(dot).startsWith("digraph \"OrderSaga\" {")
                .contains("\"Initial\" -> \"Pending\" [label=\"OrderSubmitted\"];")
                .contains("\"Pending\" -> \"Cancelled\" [label=\"OrderCancelled, PaymentTimeout\"];")
                .contains("\"Accepted\" -> \"Final\" [label=\"OrderProcessed\"];")
                .endsWith("}\n");
    }

    static final class Review {
        int amount;
    }

    record Claim(java.util.UUID id, int amount) {
    }

    static final class ClaimSaga extends StateMachine<Review> {
        final State manual = state("Manual Review");
        final State paid = state("Paid");
        final Event<Claim> claim = event(Claim.class, Claim::id);

        ClaimSaga() {
            super(Review.class);
            initially(when(claim).ifElse(ctx -> ctx.message().amount() > 100,
                    b -> b.transitionTo(manual),
                    b -> b.transitionTo(paid).finalizeInstance()));
            whenEnter(manual, b -> b.then(ctx -> ctx.instance().amount = ctx.instance().amount + 1));
        }
    }

    @Test
    void aBranchIsMarkedConditionalAndNamesWithSpacesGetAnId() {
        assertThat(SagaDiagram.mermaid(new ClaimSaga())).isEqualTo("""
                stateDiagram-v2
                    state "Manual Review" as Manual_Review
                    [*] --> Manual_Review : Claim [if]
                    [*] --> Paid : Claim [if]
                    Paid --> [*] : Claim [if]
                """);
        assertThat(SagaDiagram.dot(new ClaimSaga()))
                .contains("\"Initial\" -> \"Manual Review\" [label=\"Claim [if]\", style=dashed];");
    }
}
