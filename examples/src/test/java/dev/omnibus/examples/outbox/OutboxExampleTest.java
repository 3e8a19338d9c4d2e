package dev.omnibus.examples.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OutboxExampleTest {
    @Test
    void everyOrderIsInvoicedOnceEvenWhenItsEventComesTwice() throws Exception {
        OutboxExample.Result r = OutboxExample.run(5);
        assertThat(r.orders()).isEqualTo(5);
        assertThat(r.invoices()).isEqualTo(5);
        assertThat(r.invoiceEvents()).isEqualTo(5);
    }
}
