/**
 * JSON serializers that speak MassTransit's wire format, so Omnibus services and .NET
 * MassTransit services can send to, publish to and consume from the same queues.
 *
 * <ul>
 *   <li>{@link dev.omnibus.json.JsonEnvelopeSerializer} ({@code application/vnd.masstransit+json}):
 *       the message inside MassTransit's JSON envelope, field for field as MassTransit 8 writes it
 *       with System.Text.Json. This is the default format.</li>
 *   <li>{@link dev.omnibus.json.RawJsonSerializer} ({@code application/json}): the message alone,
 *       with the envelope in transport headers, for producers and consumers that do not know the
 *       envelope.</li>
 * </ul>
 *
 * <p>Both read tolerantly (case-insensitive property names, unknown properties ignored, comments
 * and trailing commas allowed, ids in any .NET GUID form) and write strictly (MassTransit's field
 * order, nulls written, lowercase GUIDs, UTC ISO-8601 times, decimals as strings). Both decode in
 * two steps: {@code deserialize} reads the envelope and parses the body into a tree once; the bus
 * then resolves a message type URN in its {@link dev.omnibus.MessageTypeRegistry} and binds the
 * tree to that registered Java type. No class is ever chosen by the message.
 *
 * <p>Every failure is a {@link dev.omnibus.SerializationException}, never retryable, whose message
 * says what was wrong with which field. Instances are immutable and thread-safe; each owns one
 * configured Jackson mapper, built once.
 */
package dev.omnibus.json;
