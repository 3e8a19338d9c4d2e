package dev.omnibus.testing.conformance;

import static dev.omnibus.testing.conformance.RawMessages.decode;
import static dev.omnibus.testing.conformance.RawMessages.messageIdOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.ExceptionInfo;
import dev.omnibus.Fault;
import dev.omnibus.Headers;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.SerializationException;
import dev.omnibus.json.JsonEnvelopeSerializer;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.testing.conformance.QueueProbe.RawMessage;
import dev.omnibus.testing.conformance.TransportConformanceKit.Doomed;
import dev.omnibus.testing.conformance.TransportConformanceKit.Good;
import dev.omnibus.testing.conformance.TransportConformanceKit.MalformedBody;
import dev.omnibus.testing.conformance.TransportConformanceKit.Stray;
import dev.omnibus.testing.conformance.TransportConformanceKit.UnregisteredType;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Conformance tests of faults and the error and skipped queues: a failing consumer is retried and
 * moved to {@code _error} with fault headers, an unconsumed type goes to {@code _skipped}, bodies
 * the bus cannot read go to {@code _error}, and bodies naming unregistered types go to
 * {@code _skipped} without any class being loaded by name. Part of {@link TransportConformanceKit}.
 */
interface DeadLetterConformance {
    // ------------------------------------------------------------------------------------------
    // 4. Faults, error and skipped queues

    @Test
    default void failingConsumerIsRetriedThenMovedToErrorQueueWithFaultHeaders() {
        KitContext kit = KitContext.of(this);
        String failing = kit.endpoint("fail");
        String faults = kit.endpoint("faults");
        Doomed doomed = new Doomed(UUID.randomUUID(), "a note");
        UUID messageId = UUID.randomUUID();
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        Queue<Fault<Doomed>> faultsSeen = new ConcurrentLinkedQueue<>();
        Instant before = Instant.now();
        try (Bus bus = kit.newBus()
                .receiveEndpoint(failing, e -> e
                        .retry(Retry.immediate(2))
                        .consumer(Doomed.class, ctx -> {
                            if (!ctx.message().equals(doomed)) {
                                return;
                            }
                            attempts.add(ctx.retryAttempt());
                            throw new IllegalStateException("doomed " + ctx.message().id());
                        }))
                .receiveEndpoint(faults, e -> e.faultConsumer(Doomed.class, ctx -> faultsSeen.add(ctx.message())))
                .start()) {
            QueueProbe errors = kit.probe(failing + "_error");
            kit.confirmed(bus.publish(doomed, SendOptions.defaults().withMessageId(messageId)));

            RawMessage moved = errors.awaitMessage(kit.await(), "the failed message",
                    m -> messageId.equals(messageIdOf(m)));
            Fault<Doomed> fault = kit.await().until("a Fault<Doomed> consumed at " + faults,
                    () -> faultsSeen.stream().filter(f -> doomed.equals(f.message())).findFirst().orElse(null),
                    f -> f != null);

            assertThat(attempts).as("retry attempts the consumer saw (Retry.immediate(2))").containsExactly(0, 1, 2);
            assertThat(decode(moved, Doomed.class)).as("the message in the error queue").isEqualTo(doomed);
            assertThat(moved.header("MT-Reason")).isEqualTo("fault");
            assertThat(moved.header("MT-Fault-ExceptionType")).isEqualTo(IllegalStateException.class.getName());
            assertThat(moved.header("MT-Fault-Message")).isEqualTo("doomed " + doomed.id());
            assertThat(moved.header("MT-Fault-StackTrace")).as("MT-Fault-StackTrace: no stack trace leaves the process "
                    + "unless BusBuilder.includeStackTraces(true)").isNull();
            assertThat(moved.header("MT-Fault-Timestamp")).as("MT-Fault-Timestamp").isNotBlank();
            assertThat(Instant.parse(moved.header("MT-Fault-Timestamp"))).as("MT-Fault-Timestamp")
                    .isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));
            assertThat(moved.header("MT-Fault-InputAddress")).as("MT-Fault-InputAddress").isNotBlank();
            assertThat(Address.parse(moved.header("MT-Fault-InputAddress")).name()).as("endpoint of MT-Fault-InputAddress")
                    .isEqualTo(failing);
            assertThat(moved.header("MT-Fault-RetryCount")).as("MT-Fault-RetryCount").isEqualTo("2");
            assertThat(moved.header("MT-Host-MachineName")).as("MT-Host-MachineName").isNotBlank();

            assertThat(fault.faultedMessageId()).as("faultedMessageId").isEqualTo(messageId);
            assertThat(fault.exceptions()).as("exceptions in the fault").isNotEmpty();
            ExceptionInfo thrown = fault.exceptions().get(0);
            assertThat(thrown.exceptionType()).isEqualTo(IllegalStateException.class.getName());
            assertThat(thrown.message()).isEqualTo("doomed " + doomed.id());
            assertThat(thrown.stackTrace()).as("the fault's stack trace (off by default)").isNull();
            assertThat(fault.faultMessageTypes()).as("faultMessageTypes").contains(MessageTypeRegistry.urnOf(Doomed.class));

            errors.awaitDrained(kit.await());
            assertThat(errors.messages()).as("messages in " + failing + "_error").hasSize(1);
        }
    }

    @Test
    default void messageOfAnUnconsumedTypeGoesToSkipped() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("skip");
        UUID strayMessageId = UUID.randomUUID();
        Stray stray = new Stray(UUID.randomUUID());
        UUID good = UUID.randomUUID();
        Queue<UUID> consumed = new ConcurrentLinkedQueue<>();
        try (Bus bus = kit.newBus()
                .messageType(Stray.class)
                .receiveEndpoint(queue, e -> e.consumer(Good.class, ctx -> consumed.add(ctx.message().id())))
                .start()) {
            QueueProbe skipped = kit.probe(queue + "_skipped");
            QueueProbe errors = kit.probe(queue + "_error");
            kit.confirmed(bus.send(Address.queue(queue), stray, SendOptions.defaults().withMessageId(strayMessageId)));
            kit.confirmed(bus.send(Address.queue(queue), new Good(good)));

            kit.await().until("the message sent after the unconsumed one is consumed", () -> consumed.contains(good));
            RawMessage moved = skipped.awaitMessage(kit.await(), "the message of a type the endpoint does not consume",
                    m -> strayMessageId.equals(messageIdOf(m)));
            assertThat(decode(moved, Stray.class)).as("the message in the skipped queue").isEqualTo(stray);
            assertThat(moved.header("MT-Reason")).as("MT-Reason").isEqualTo("dead-letter");
            errors.awaitDrained(kit.await());
            assertThat(errors.messages()).as("messages in " + queue + "_error").isEmpty();
        }
    }


    @ParameterizedTest(name = "{0}")
    @EnumSource(MalformedBody.class)
    default void malformedBodyGoesToErrorQueueAndLaterMessagesStillArrive(MalformedBody malformed) {
        KitContext kit = KitContext.of(this);
        UUID messageId = UUID.randomUUID();
        UUID badId = UUID.randomUUID();
        byte[] body = malformed.body(messageId, badId);
        RawMessage moved = setAside(kit.endpoint("bad"), body, messageId, badId, "_error");
        assertThat(moved.header("MT-Reason")).as("MT-Reason").isEqualTo("fault");
        assertThat(moved.header("MT-Fault-ExceptionType")).as("MT-Fault-ExceptionType")
                .isEqualTo(SerializationException.class.getName());
        assertThat(moved.header("MT-Fault-Message")).as("MT-Fault-Message (the reason)")
                .containsIgnoringCase(malformed.reasonMentions());
        assertThat(moved.header("MT-Fault-InputAddress")).as("MT-Fault-InputAddress").isNotBlank();
        assertThat(moved.header("MT-Host-MachineName")).as("MT-Host-MachineName").isNotBlank();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(UnregisteredType.class)
    default void bodyNamingAnUnregisteredTypeGoesToSkippedAndNothingIsInstantiated(UnregisteredType type) {
        KitContext kit = KitContext.of(this);
        UUID messageId = UUID.randomUUID();
        RawMessage moved = setAside(kit.endpoint("unknown"), type.body(messageId), messageId, null, "_skipped");
        assertThat(moved.header("MT-Reason")).as("MT-Reason").isEqualTo("dead-letter");
        assertThat(TransportConformanceKit.UNREGISTERED_PROBE_INITIALIZATIONS.get())
                .as("initializations of a class named only by a message").isZero();
    }

    /**
     * Puts {@code body} on the endpoint's queue below the bus, then a good message through the bus;
     * checks the good one is consumed (the loop keeps going), the bad one never reaches a consumer,
     * and it lands unchanged in {@code endpoint + queueSuffix} (and nothing in the other dead-letter
     * queue). Returns it.
     */
    private RawMessage setAside(String queue, byte[] body, UUID messageId, UUID badId, String queueSuffix) {
        KitContext kit = KitContext.of(this);
        UUID good = UUID.randomUUID();
        Queue<UUID> consumed = new ConcurrentLinkedQueue<>();
        String otherSuffix = queueSuffix.equals("_error") ? "_skipped" : "_error";
        try (Bus bus = kit.newBus()
                .maxMessageSize(TransportConformanceKit.SMALL_MAX_MESSAGE_SIZE)
                .receiveEndpoint(queue, e -> e.consumer(Good.class, ctx -> consumed.add(ctx.message().id())))
                .start()) {
            QueueProbe target = kit.probe(queue + queueSuffix);
            QueueProbe other = kit.probe(queue + otherSuffix);
            kit.confirmed(kit.probeTransport().send(Address.queue(queue), new OutgoingMessage(body,
                    Headers.of(OutgoingMessage.CONTENT_TYPE, JsonEnvelopeSerializer.CONTENT_TYPE)
                            .with(OutgoingMessage.MESSAGE_ID, messageId.toString()), null, null)));
            kit.confirmed(bus.send(Address.queue(queue), new Good(good)));

            kit.await().until("the good message sent after the bad one is consumed", () -> consumed.contains(good));
            RawMessage moved = target.awaitMessage(kit.await(), "the unreadable message", m -> Arrays.equals(m.body(), body));
            target.awaitDrained(kit.await());
            other.awaitDrained(kit.await());
            assertThat(consumed).as("messages consumed").containsExactly(good);
            if (badId != null) {
                assertThat(consumed).as("messages consumed").doesNotContain(badId);
            }
            assertThat(target.messages()).as("messages in " + queue + queueSuffix).hasSize(1);
            assertThat(other.messages()).as("messages in " + queue + otherSuffix).isEmpty();
            return moved;
        }
    }
}
