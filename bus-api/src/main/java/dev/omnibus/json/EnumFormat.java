package dev.omnibus.json;

/**
 * How the JSON serializers write a message's enum values. Either way they read both: a number
 * (the constant's ordinal) and a name (any case).
 *
 * <p>MassTransit's System.Text.Json setup registers no string-enum converter, so a .NET service
 * writes and expects numbers; {@link #NUMBER} is the default of {@link JsonEnvelopeSerializer} and
 * {@link RawJsonSerializer}. A Java ordinal equals the .NET value only when both declare the
 * constants in the same order and the .NET enum assigns no explicit values: keep them in step, or
 * choose {@link #NAME} where only Omnibus services read the messages.
 */
public enum EnumFormat {
    /** The constant's ordinal ({@code "priority": 2}), as System.Text.Json writes a .NET enum. */
    NUMBER,
    /** The constant's name ({@code "priority": "HIGH"}); readable by Omnibus, not by a default .NET setup. */
    NAME
}
