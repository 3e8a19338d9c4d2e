package dev.omnibus;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Published (or sent to the fault or response address) when a consumer failed on a message after
 * every retry and redelivery. Its wire shape and URN ({@code urn:message:MassTransit:Fault[[…]]})
 * follow MassTransit's, so .NET services can consume Omnibus faults and the other way round.
 *
 * <p>The fault is produced just before the failed message moves to the endpoint's {@code _error}
 * queue, as MassTransit does, so a fault consumer may run before that move is visible.
 *
 * <p>Consume it with {@link ReceiveEndpointBuilder#faultConsumer(Class, MessageConsumer)}.
 *
 * @param faultId           unique id of this fault
 * @param faultedMessageId  the id of the message that failed
 * @param timestamp         when the failure was final
 * @param exceptions        what was thrown, the last attempt's exception first
 * @param host              the process whose consumer failed
 * @param faultMessageTypes the message type URNs of the failed message
 * @param message           the failed message itself
 * @param <T>               the failed message's type
 */
public record Fault<T>(
        UUID faultId,
        UUID faultedMessageId,
        Instant timestamp,
        List<ExceptionInfo> exceptions,
        HostInfo host,
        List<String> faultMessageTypes,
        T message) {

    public Fault {
        exceptions = exceptions == null ? List.of() : List.copyOf(exceptions);
        faultMessageTypes = faultMessageTypes == null ? List.of() : List.copyOf(faultMessageTypes);
    }
}
