package dev.omnibus.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives each test of a class a started {@link TestHarness} as a parameter, stopped after the test.
 * The bus is configured by the class's methods annotated {@link ConfigureBus}.
 *
 * <pre>{@code
 * @BusTest
 * class OrderFlowTest {
 *     @ConfigureBus
 *     static void bus(BusBuilder bus) {
 *         bus.receiveEndpoint("orders", e -> e.consumer(OrderSubmitted.class, new OrderSubmittedConsumer()));
 *     }
 *
 *     @Test
 *     void submittedOrderIsPaid(TestHarness harness) {
 *         harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
 *         harness.assertSent(ProcessPayment.class, p -> p.orderId().equals(id));
 *     }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(TestHarnessExtension.class)
public @interface BusTest {
    /** How long assertions wait, in milliseconds (default 5 s). */
    long timeoutMillis() default 5_000;

    /** Run deterministically from this seed; the default (-1) runs threaded. */
    long seed() default -1;
}
