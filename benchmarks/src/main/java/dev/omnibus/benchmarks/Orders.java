package dev.omnibus.benchmarks;

import dev.omnibus.MessageUrn;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The order-like messages every benchmark uses: a small one of ten scalar fields (an event) and a
 * large one with a customer, two addresses, 50 order lines and a few attributes (a document).
 * Values are fixed, so every run encodes the same bytes.
 */
public final class Orders {
    private Orders() {
    }

    /** Ten scalar fields, about 250 bytes as bare JSON. */
    @MessageUrn("Omnibus.Benchmarks:OrderSubmitted")
    public record OrderSubmitted(UUID orderId, String customerId, String currency, BigDecimal total,
            Instant submittedAt, int itemCount, String channel, boolean giftWrap, String couponCode, String region) {
    }

    /** A whole order document, about 8 KB as bare JSON. */
    @MessageUrn("Omnibus.Benchmarks:OrderPlaced")
    public record OrderPlaced(UUID orderId, Customer customer, PostalAddress shipTo, PostalAddress billTo,
            List<OrderLine> lines, Map<String, String> attributes, BigDecimal total, Instant placedAt, String notes) {
    }

    public record Customer(String id, String name, String email, String phone, String tier) {
    }

    public record PostalAddress(String street, String city, String postcode, String region, String country) {
    }

    public record OrderLine(int lineNo, String sku, String description, int quantity, BigDecimal unitPrice,
            BigDecimal discount, String warehouse) {
    }

    /** The small message. */
    public static OrderSubmitted small() {
        return new OrderSubmitted(UUID.fromString("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f70"), "customer-004217", "EUR",
                new BigDecimal("1234.50"), Instant.parse("2026-11-26T09:15:30.123456Z"), 7, "web", false,
                "WINTER-10", "eu-west");
    }

    /** The large message: 50 lines. */
    public static OrderPlaced large() {
        List<OrderLine> lines = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        for (int i = 1; i <= 50; i++) {
            BigDecimal price = new BigDecimal(i * 137 % 9_000 + 99).movePointLeft(2);
            lines.add(new OrderLine(i, "SKU-" + (100_000 + i * 7919 % 100_000), "Item number " + i
                    + ", size M, colour blue", i % 5 + 1, price, i % 4 == 0 ? new BigDecimal("0.50") : BigDecimal.ZERO,
                    i % 3 == 0 ? "DUB-2" : "FRA-1"));
            total = total.add(price.multiply(BigDecimal.valueOf(i % 5 + 1)));
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("source", "mobile-app");
        attributes.put("campaign", "black-friday-2026");
        attributes.put("locale", "de-DE");
        attributes.put("fraudScore", "0.03");
        PostalAddress address = new PostalAddress("Hauptstraße 12", "Berlin", "10115", "BE", "DE");
        return new OrderPlaced(UUID.fromString("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f71"),
                new Customer("customer-004217", "Zoë Ünal", "zoe@example.com", "+49 30 1234567", "gold"),
                address, address, List.copyOf(lines), attributes, total, Instant.parse("2026-11-26T09:15:30.123456Z"),
                "Leave at the door if nobody answers. Ring twice.");
    }
}
