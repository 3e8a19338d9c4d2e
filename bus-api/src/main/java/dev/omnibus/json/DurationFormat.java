package dev.omnibus.json;

/**
 * How the JSON serializers write a {@link java.time.Duration}. Either way they read both forms:
 * a .NET {@code TimeSpan} ({@code "01:02:03"}, {@code "1.02:03:04.5000000"}, {@code "-00:00:01"})
 * and ISO-8601 ({@code "PT1H2M3S"}), and a JSON number as seconds.
 *
 * <p>{@link #TIMESPAN} is the default of {@link JsonEnvelopeSerializer} and {@link RawJsonSerializer}:
 * MassTransit's System.Text.Json reads and writes {@code TimeSpan} in its constant ("c") format only.
 */
public enum DurationFormat {
    /**
     * .NET's {@code TimeSpan} constant format {@code [-][d.]hh:mm:ss[.fffffff]}, as System.Text.Json
     * writes it: days only when there are any, a 7-digit fraction only when it is not zero. A
     * duration finer than 100 ns (a .NET tick) is cut to whole ticks.
     */
    TIMESPAN,
    /** ISO-8601 ({@code PT26H3M4.5S}), as {@link java.time.Duration#toString()} writes it. */
    ISO_8601
}
