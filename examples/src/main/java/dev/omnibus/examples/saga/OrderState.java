package dev.omnibus.examples.saga;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * What the order saga remembers about one order: a plain class, stored as JSON by the saga
 * repository. The saga's current state and version are kept by the repository, not here.
 */
public final class OrderState {
    String customer;
    BigDecimal total;
    Instant submittedAt;

    public String customer() {
        return customer;
    }

    public BigDecimal total() {
        return total;
    }

    public Instant submittedAt() {
        return submittedAt;
    }
}
