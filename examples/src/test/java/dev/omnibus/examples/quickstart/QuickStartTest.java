package dev.omnibus.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuickStartTest {
    @Test
    void theReadmeQuickStartRuns() throws Exception {
        QuickStart.Result r = QuickStart.run();
        assertThat(r.payment().amount()).isEqualByComparingTo("12.50");
        assertThat(r.stock().available()).isEqualTo(3);
    }
}
