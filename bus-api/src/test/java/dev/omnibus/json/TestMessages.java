package dev.omnibus.json;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.omnibus.MessageUrn;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Message records for the serializer tests, named by the URNs of MassTransit's samples. */
final class TestMessages {
    private TestMessages() {
    }

    /** sample-1's message. */
    @MessageUrn("Company.Project:SubmitOrder")
    record SubmitOrder(UUID orderId, Instant timestamp) {
    }

    /** sample-2's message. */
    @MessageUrn("TestSerialization:TestMessage")
    record TestMessage(String name) {
    }

    /** sample-5's message, whose body spells the property {@code CorrelationId}. */
    @MessageUrn("MassTransit.TestFramework.Messages:PingMessage")
    record PingMessage(UUID correlationId) {
    }

    /** A record that fits sample-4's body. */
    @MessageUrn("MassTransit.Tests.Serialization.TestMessages:SubmitOrder")
    record LegacySubmitOrder(UUID orderId, Instant timestamp, boolean customerNumber, List<Form> forms) {
    }

    record Form(FormData formData) {
    }

    record FormData(@JsonProperty("_id") String id, String schema, String formType, String pageNo,
            FormMetadata metadata) {
    }

    record FormMetadata(String docId, boolean pageNo, String claimNumber, String claimId, String clientName,
            String clientId, String createdDateTime) {
    }

    /** Same URN as {@link LegacySubmitOrder}, but {@code customerNumber} (false on the wire) is a record. */
    @MessageUrn("MassTransit.Tests.Serialization.TestMessages:SubmitOrder")
    record StrictSubmitOrder(UUID orderId, Instant timestamp, Customer customerNumber) {
    }

    record Customer(String number, String name) {
    }

    /** A message with one of every kind of field the round trip checks. */
    @MessageUrn("Acme.Orders:OrderPlaced")
    record OrderPlaced(UUID orderId, String customer, BigDecimal total, Instant placedAt, List<Line> lines,
            ShippingAddress shipTo) {
    }

    record Line(String sku, int quantity, BigDecimal price) {
    }

    record ShippingAddress(String street, String city) {
    }

    /** A record with no components: an event that is its own news. */
    @MessageUrn("Acme.Orders:CartEmptied")
    record CartEmptied() {
    }

    static OrderPlaced orderPlaced() {
        return new OrderPlaced(
                UUID.fromString("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f70"),
                "Zoë Ünal \"ACME\" <orders>",
                new BigDecimal("1234.50"),
                Instant.parse("2024-05-06T07:08:09.123456Z"),
                List.of(new Line("SKU-1", 2, new BigDecimal("0.10")), new Line("SKU-2", 1, new BigDecimal("1234.30"))),
                new ShippingAddress("1 Main St", "Springfield"));
    }
}
