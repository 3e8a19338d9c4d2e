package dev.omnibus;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Published (or sent to the fault or response address) when an endpoint cannot read or bind a
 * delivery's body, before the delivery moves to the endpoint's {@code _error} queue. It is
 * MassTransit's {@code ReceiveFault} ({@code urn:message:MassTransit:ReceiveFault}, also a
 * {@code urn:message:MassTransit:Fault}): the fields of a {@link Fault} without the message, plus
 * the content type the transport gave, so .NET and Omnibus services can watch for each other's
 * unreadable messages.
 *
 * <p>Consume it like any record: {@code e.consumer(ReceiveFault.class, ctx -> …)}. A failure to
 * publish it is logged and does not stop the move to {@code _error}; a message that is itself a
 * fault produces no further {@code ReceiveFault}.
 *
 * @param faultId           unique id of this fault
 * @param faultedMessageId  the id of the unreadable message, when its envelope or headers gave one
 * @param timestamp         when the body was found unreadable
 * @param exceptions        why (a {@link SerializationException} saying what did not fit)
 * @param host              the process that could not read it
 * @param faultMessageTypes the message types the envelope named, or empty
 * @param contentType       the delivery's content type, or null when it had none
 */
@MessageUrn("MassTransit:ReceiveFault")
public record ReceiveFault(
        UUID faultId,
        UUID faultedMessageId,
        Instant timestamp,
        List<ExceptionInfo> exceptions,
        HostInfo host,
        List<String> faultMessageTypes,
        String contentType) {

    public ReceiveFault {
        exceptions = exceptions == null ? List.of() : List.copyOf(exceptions);
        faultMessageTypes = faultMessageTypes == null ? List.of() : List.copyOf(faultMessageTypes);
    }
}
