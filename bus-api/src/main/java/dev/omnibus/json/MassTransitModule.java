package dev.omnibus.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.UUIDDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.UUID;

/**
 * Jackson serializers and deserializers that make message bodies look as System.Text.Json with
 * MassTransit's options writes them:
 * <ul>
 *   <li>{@link BigDecimal} is written as a JSON string ({@code "12.50"}, never an exponent) and
 *       read from a string or a number (MassTransit's {@code StringDecimalJsonConverter});</li>
 *   <li>{@link Instant} is written as UTC ISO-8601 with trailing fraction zeros dropped
 *       ({@code 2023-07-04T11:39:59.6891Z}) and read with or without an offset;</li>
 *   <li>{@link UUID} is read from the {@code D}, {@code N}, {@code B} and {@code P} forms (Jackson
 *       writes lowercase {@code D} already).</li>
 * </ul>
 * They take precedence over {@code JavaTimeModule}'s and Jackson's own, so property-level
 * {@code @JsonFormat} on these three types is not honoured; {@code @JsonSerialize(using = …)} is.
 */
final class MassTransitModule extends SimpleModule {
    private static final long serialVersionUID = 1L;

    MassTransitModule() {
        super("omnibus-masstransit-json");
        addSerializer(BigDecimal.class, new DecimalAsString());
        addDeserializer(BigDecimal.class, new DecimalFromStringOrNumber());
        addSerializer(Instant.class, new InstantAsIso());
        addDeserializer(Instant.class, new InstantFromIso());
        addDeserializer(UUID.class, new GuidFromAnyForm());
    }

    static final class DecimalAsString extends StdScalarSerializer<BigDecimal> {
        private static final long serialVersionUID = 1L;

        DecimalAsString() {
            super(BigDecimal.class);
        }

        @Override
        public void serialize(BigDecimal value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value.toPlainString());
        }
    }

    static final class DecimalFromStringOrNumber extends StdScalarDeserializer<BigDecimal> {
        private static final long serialVersionUID = 1L;

        DecimalFromStringOrNumber() {
            super(BigDecimal.class);
        }

        @Override
        public BigDecimal deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                return p.getDecimalValue();
            }
            if (t == JsonToken.VALUE_STRING) {
                String text = p.getText().trim();
                if (text.isEmpty()) {
                    return null;
                }
                p.streamReadConstraints().validateFPLength(text.length());
                try {
                    return new BigDecimal(text);
                } catch (NumberFormatException e) {
                    return (BigDecimal) ctxt.handleWeirdStringValue(BigDecimal.class, text, "not a decimal number");
                }
            }
            return (BigDecimal) ctxt.handleUnexpectedToken(BigDecimal.class, p);
        }
    }

    static final class InstantAsIso extends StdScalarSerializer<Instant> {
        private static final long serialVersionUID = 1L;

        InstantAsIso() {
            super(Instant.class);
        }

        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(WireValues.formatInstant(value));
        }
    }

    static final class InstantFromIso extends StdScalarDeserializer<Instant> {
        private static final long serialVersionUID = 1L;

        InstantFromIso() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                // Numbers (epoch seconds) and embedded values: as JavaTimeModule reads them.
                return InstantDeserializer.INSTANT.deserialize(p, ctxt);
            }
            String text = p.getText().trim();
            if (text.isEmpty()) {
                return null;
            }
            try {
                return WireValues.parseInstant(text);
            } catch (DateTimeException e) {
                return (Instant) ctxt.handleWeirdStringValue(Instant.class, text,
                        "not an ISO-8601 date-time (%s)", e.getMessage());
            }
        }
    }

    static final class GuidFromAnyForm extends StdScalarDeserializer<UUID> {
        private static final long serialVersionUID = 1L;
        private static final UUIDDeserializer JACKSON = new UUIDDeserializer();

        GuidFromAnyForm() {
            super(UUID.class);
        }

        @Override
        public UUID deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                return JACKSON.deserialize(p, ctxt);
            }
            String text = p.getText().trim();
            if (text.isEmpty()) {
                return null;
            }
            try {
                return WireValues.parseGuid(text);
            } catch (IllegalArgumentException e) {
                return (UUID) ctxt.handleWeirdStringValue(UUID.class, text,
                        "not a GUID (expected 8-4-4-4-12 hex digits, or 32 hex digits)");
            }
        }
    }
}
