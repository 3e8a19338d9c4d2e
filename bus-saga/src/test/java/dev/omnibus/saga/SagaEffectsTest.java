package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Bus;
import dev.omnibus.MessageType;
import dev.omnibus.Retry;
import dev.omnibus.TransportException;
import dev.omnibus.inmemory.InMemoryScheduler;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.saga.Orders.OrderAccepted;
import dev.omnibus.saga.Orders.OrderProcessed;
import dev.omnibus.saga.Orders.OrderRejected;
import dev.omnibus.saga.Orders.OrderSaga;
import dev.omnibus.saga.Orders.OrderSubmitted;
import dev.omnibus.saga.Orders.ProcessOrder;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.testing.VirtualClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A saga's transition keeps its effects without an outbox: when a message of the transition cannot be
 * sent after the state was saved, the retry of the event sends it (once the send works) instead of
 * finding the instance moved on and dropping or dead-lettering the event. The fault is real: the
 * in-memory transport refuses the first publish of a chosen type, as a broker refusing a publish does.
 */
class SagaEffectsTest {
    /** The in-memory transport, refusing the first {@code failures} publishes of one message type. */
    static final class RefusingTransport extends dev.omnibus.testing.ForwardingTransport {
        final InMemoryTransport delegate;
        final Map<Class<?>, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();
        final AtomicInteger refused = new AtomicInteger();

        RefusingTransport() {
            this(InMemoryTransport.create());
        }

        private RefusingTransport(InMemoryTransport inMemory) {
            super(inMemory);
            this.delegate = inMemory;
        }

        void refuse(Class<?> type, int times) {
            failuresLeft.put(type, new AtomicInteger(times));
        }

        @Override
        public CompletableFuture<Void> publish(MessageType type, OutgoingMessage message) {
            AtomicInteger left = failuresLeft.get(type.rawType());
            if (left != null && left.getAndDecrement() > 0) {
                refused.incrementAndGet();
                return CompletableFuture.failedFuture(new TransportException("refused by the test (publish of " + type.urn() + ")", null));
            }
            return super.publish(type, message);
        }
    }

    private final RefusingTransport transport = new RefusingTransport();
    private final VirtualClock clock = new VirtualClock();
    private final InMemorySagaRepository repository = InMemorySagaRepository.create();
    private final AtomicInteger processOrders = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();
    private Bus bus;

    private void start(OrderSaga saga) {
        bus = Bus.builder()
                .transport(transport)
                .clock(clock)
                .scheduler(new InMemoryScheduler())
                .receiveEndpoint("order-saga", e -> SagaEndpoint.configure(e.retry(Retry.immediate(2)), saga, repository))
                .receiveEndpoint("orders", e -> e
                        .consumer(ProcessOrder.class, c -> processOrders.incrementAndGet())
                        .consumer(OrderAccepted.class, c -> accepted.incrementAndGet())
                        .consumer(OrderRejected.class, c -> rejected.incrementAndGet()))
                .start();
    }

    @AfterEach
    void stop() {
        if (bus != null) {
            bus.close();
        }
    }

    @Test
    void aPublishRefusedAfterTheSaveIsSentByTheRetryAndTheTimeoutStillFires() {
        OrderSaga saga = new OrderSaga();
        start(saga);
        transport.refuse(ProcessOrder.class, 1);
        UUID id = UUID.randomUUID();
        bus.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN)).join();

        await("ProcessOrder consumed", () -> processOrders.get() == 1);
        assertThat(transport.refused.get()).as("the fault was injected").isEqualTo(1);
        await("the saga endpoint idle", () -> transport.delegate.broker().isIdle());
        assertThat(processOrders.get()).as("sent once: by the retry").isEqualTo(1);
        assertThat(repository.find(id)).get().satisfies(r -> {
            assertThat(r.state()).isEqualTo("Pending");
            assertThat(r.version()).as("saved once: the retry saves nothing").isEqualTo(1);
        });
        assertThat(transport.delegate.broker().depth("order-saga_error")).isZero();

        // the timeout the retry scheduled carries the token the saved record expects
        clock.advance(Duration.ofHours(1));
        await("OrderRejected by the payment timeout", () -> rejected.get() == 1);
        assertThat(repository.find(id)).get().satisfies(r -> assertThat(r.state()).as("finalized by the timeout").isEqualTo("Final"));
    }

    @Test
    void aFinalizedInstanceIsRemovedOnlyAfterItsMessagesAreSent() {
        OrderSaga saga = new OrderSaga(true);
        start(saga);
        UUID id = UUID.randomUUID();
        bus.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN)).join();
        await("ProcessOrder consumed", () -> processOrders.get() == 1);
        transport.refuse(OrderAccepted.class, 1);
        bus.publish(new OrderProcessed(id)).join();

        await("OrderAccepted consumed", () -> accepted.get() == 1);
        await("the instance removed", () -> repository.find(id).isEmpty());
        await("the saga endpoint idle", () -> transport.delegate.broker().isIdle());
        assertThat(transport.refused.get()).isEqualTo(1);
        assertThat(accepted.get()).isEqualTo(1);
        assertThat(transport.delegate.broker().depth("order-saga_error")).isZero();
    }

    @Test
    void aMessageWithTheIdOfTheOneAppliedLastIsDroppedAsItsCopy() {
        OrderSaga saga = new OrderSaga();
        start(saga);
        UUID id = UUID.randomUUID();
        UUID messageId = UUID.randomUUID();
        OrderSubmitted submitted = new OrderSubmitted(id, "ada", BigDecimal.TEN);
        bus.publish(submitted, dev.omnibus.SendOptions.defaults().withMessageId(messageId)).join();
        await("first ProcessOrder", () -> processOrders.get() == 1);
        await("idle", () -> transport.delegate.broker().isIdle());
        bus.publish(new OrderProcessed(id), dev.omnibus.SendOptions.defaults().withMessageId(messageId)).join();
        await("idle again", () -> transport.delegate.broker().isIdle());
        assertThat(accepted.get()).as("the copy's event did not run").isZero();
        assertThat(transport.delegate.broker().depth("order-saga_error")).as("dropped, not failed").isZero();
        assertThat(processOrders.get()).as("nor did the copy send the first one's messages").isEqualTo(1);
        assertThat(repository.find(id)).get().satisfies(r -> {
            assertThat(r.state()).isEqualTo("Pending");
            assertThat(r.version()).isEqualTo(1);
        });
    }

    private static void await(String what, BooleanSupplier condition) {
        dev.omnibus.testing.Await.atMost(Duration.ofSeconds(30)).until(what, condition);
    }

}
