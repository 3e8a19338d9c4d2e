package dev.omnibus.internal;

import dev.omnibus.ExceptionInfo;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The headers MassTransit adds to a message it moves to an error or skipped queue. */
final class FaultHeaders {
    static final String REASON = "MT-Reason";
    static final String REDELIVERY_COUNT = "MT-Redelivery-Count";
    /** Why a message was skipped, in words (ours; MassTransit writes only MT-Reason). */
    static final String SKIP_REASON = "Omnibus-Skip-Reason";

    private FaultHeaders() {
    }

    /** MassTransit's {@code DateTime.ToString("O")} of a UTC time: always 7 fraction digits (.NET ticks). */
    private static final java.time.format.DateTimeFormatter ROUND_TRIP = java.time.format.DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    /**
     * Headers for a message moved to {@code _error} because of {@code failure}, as MassTransit's
     * {@code SendContextExtensions.SetExceptionHeaders} writes them: the timestamp has 7 fraction
     * digits, and {@code MT-Fault-RetryCount} appears only when there were retries.
     *
     * @param base the exception to describe: for a consumer's failure its base (innermost) exception,
     *             {@link #baseOf}, as MassTransit's {@code GetBaseException()}; for input the bus cannot
     *             read, the bus's own {@code SerializationException}, whose message already carries the
     *             parser's reason (MassTransit's base there is its parser's exception)
     */
    static Headers fault(Throwable base, URI inputAddress, String consumerType, String messageType, int retryCount,
            Instant now, boolean stackTrace) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put(REASON, "fault");
        h.put("MT-Fault-ExceptionType", base.getClass().getName());
        h.put("MT-Fault-InputAddress", String.valueOf(inputAddress));
        h.put("MT-Fault-Message", ExceptionInfo.trim(java.util.Objects.toString(base.getMessage(), base.getClass().getName())));
        if (stackTrace) { // BusBuilder.includeStackTraces: off by default
            h.put("MT-Fault-StackTrace", ExceptionInfo.of(base).stackTrace());
        }
        h.put("MT-Fault-Timestamp", timestamp(now));
        if (consumerType != null) {
            h.put("MT-Fault-ConsumerType", consumerType);
        }
        if (messageType != null) {
            h.put("MT-Fault-MessageType", messageType);
        }
        if (retryCount > 0) {
            h.put("MT-Fault-RetryCount", retryCount);
        }
        host(h);
        return Headers.of(h);
    }

    /** The innermost cause, as .NET's {@code Exception.GetBaseException()}; a cause cycle stops the walk. */
    static Throwable baseOf(Throwable t) {
        Throwable base = t;
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        while (base.getCause() != null && seen.add(base)) {
            base = base.getCause();
        }
        return base;
    }

    /** {@code now} as MassTransit's {@code MT-Fault-Timestamp}: UTC, {@code O} format, 7 fraction digits. */
    static String timestamp(Instant now) {
        return ROUND_TRIP.format(now);
    }

    /** Headers for a message moved to {@code _skipped}. */
    /**
     * A time as it goes into a message body: .NET keeps 7 fractional digits and Jackson writes
     * nanoseconds in groups of three, so microseconds are what survives a round trip unchanged.
     */
    static java.time.Instant wireTime(java.time.Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    /** The redelivery count a delivery carries ({@code MT-Redelivery-Count}, transport header first, then envelope). */
    static int redeliveryCount(dev.omnibus.spi.Delivery d, Headers envelopeHeaders) {
        Object v = d.headers().get(REDELIVERY_COUNT);
        if (v == null) {
            v = envelopeHeaders.get(REDELIVERY_COUNT);
        }
        if (v == null) {
            return 0;
        }
        try {
            return v instanceof Number n ? n.intValue() : Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static Headers skipped(String reason) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put(REASON, "dead-letter");
        h.put(SKIP_REASON, reason);
        host(h);
        return Headers.of(h);
    }

    private static void host(Map<String, Object> h) {
        HostInfo host = HostInfo.current();
        put(h, "MT-Host-MachineName", host.machineName());
        put(h, "MT-Host-ProcessName", host.processName());
        put(h, "MT-Host-ProcessId", host.processId() == null ? null : host.processId().toString());
        put(h, "MT-Host-Assembly", host.assembly());
        put(h, "MT-Host-AssemblyVersion", host.assemblyVersion());
        put(h, "MT-Host-MassTransitVersion", host.massTransitVersion());
        put(h, "MT-Host-FrameworkVersion", host.frameworkVersion());
        put(h, "MT-Host-OperatingSystemVersion", host.operatingSystemVersion());
    }

    private static void put(Map<String, Object> h, String k, Object v) {
        if (v != null) {
            h.put(k, v);
        }
    }
}
