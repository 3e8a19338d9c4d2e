/**
 * Serializers of Jackson's JSON data model: two that speak MassTransit's JSON wire format, so
 * Omnibus services and .NET MassTransit services can send to, publish to and consume from the
 * same queues, and the same envelope in CBOR for Omnibus-only traffic.
 *
 * <ul>
 *   <li>{@link dev.omnibus.json.JsonEnvelopeSerializer} ({@code application/vnd.masstransit+json}):
 *       the message inside MassTransit's JSON envelope, field for field as MassTransit 8 writes it
 *       with System.Text.Json. This is the default format.</li>
 *   <li>{@link dev.omnibus.json.RawJsonSerializer} ({@code application/json}): the message alone,
 *       with the envelope in transport headers, for producers and consumers that do not know the
 *       envelope.</li>
 *   <li>{@link dev.omnibus.json.CborEnvelopeSerializer} ({@code application/vnd.omnibus+cbor}): the
 *       JSON envelope's fields in CBOR (RFC 8949), with the message embedded as encoded CBOR;
 *       smaller on the wire (docs/benchmarks.md measures its cost), read by Omnibus only.</li>
 * </ul>
 *
 * <p>All read tolerantly (case-insensitive property names, unknown properties ignored, ids in any
 * .NET GUID form, and in JSON comments and trailing commas) and write strictly (MassTransit's field
 * order, nulls written, UTC ISO-8601 times, decimals as strings). All decode in
 * two steps: {@code deserialize} reads the envelope and parses the body into a tree once; the bus
 * then resolves a message type URN in its {@link dev.omnibus.MessageTypeRegistry} and binds the
 * tree to that registered Java type. No class is ever chosen by the message.
 *
 * <p>Every failure is a {@link dev.omnibus.SerializationException}, never retryable, whose message
 * says what was wrong with which field. Instances are immutable and thread-safe; each owns one
 * configured Jackson mapper, built once.
 */
package dev.omnibus.json;
