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
 *       writes lowercase {@code D} already);</li>
 *   <li>{@link java.time.Duration} is written as a .NET {@code TimeSpan} ({@code "1.02:03:04.5000000"},
 *       System.Text.Json's {@code TimeSpanConverter}) unless {@link DurationFormat#ISO_8601} is chosen,
 *       and read from a TimeSpan, ISO-8601 or a number of seconds;</li>
 *   <li>{@link dev.omnibus.Headers} (an exception's {@code data}) is a JSON object of name to value.</li>
 * </ul>
 * They take precedence over {@code JavaTimeModule}'s and Jackson's own, so property-level
 * {@code @JsonFormat} on these three types is not honoured; {@code @JsonSerialize(using = …)} is.
 */
final class MassTransitModule extends SimpleModule {
    private static final long serialVersionUID = 1L;

    MassTransitModule(DurationFormat durations) {
        super("omnibus-masstransit-json");
        if (durations == DurationFormat.TIMESPAN) {
            addSerializer(java.time.Duration.class, new DurationAsTimeSpan());
        }
        addDeserializer(java.time.Duration.class, new DurationFromTimeSpanOrIso());
        addSerializer(dev.omnibus.Headers.class, new HeadersAsObject());
        addDeserializer(dev.omnibus.Headers.class, new HeadersFromObject());
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

        /**
         * Plain notation always. {@code toString()} is plain too unless the scale is negative or the adjusted
         * exponent is below -6, and a {@code BigDecimal} keeps the text {@code toString()} made (plain Jackson's
         * number writing reads it there), where {@code toPlainString()} builds a new string at each call.
         */
        @Override
        public void serialize(BigDecimal value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            int scale = value.scale();
            boolean plain = scale >= 0 && value.precision() - 1 - scale >= -6;
            gen.writeString(plain ? value.toString() : value.toPlainString());
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
                return checkedScale(p, p.getDecimalValue());
            }
            if (t == JsonToken.VALUE_STRING) {
                // from the parser's characters, trimmed as String.trim() does, with no String in between
                char[] chars = p.getTextCharacters();
                int to = WireValues.trimmedEnd(chars, p.getTextOffset(), p.getTextOffset() + p.getTextLength());
                int from = WireValues.trimmedStart(chars, p.getTextOffset(), to);
                if (from == to) {
                    return null;
                }
                p.streamReadConstraints().validateFPLength(to - from);
                BigDecimal d;
                try {
                    d = new BigDecimal(chars, from, to - from);
                } catch (NumberFormatException e) {
                    return (BigDecimal) ctxt.handleWeirdStringValue(BigDecimal.class, p.getText().trim(),
                            "not a decimal number");
                }
                return checkedScale(p, d);
            }
            return (BigDecimal) ctxt.handleUnexpectedToken(BigDecimal.class, p);
        }

        /** {@code d}, unless its scale is absurd ({@link dev.omnibus.internal.InputLimits#MAX_DECIMAL_SCALE}). */
        private static BigDecimal checkedScale(JsonParser p, BigDecimal d) throws IOException {
            if (!dev.omnibus.internal.InputLimits.decimalScaleAllowed(d.scale())) {
                throw com.fasterxml.jackson.databind.JsonMappingException.from(p, "a decimal with a scale of " + d.scale()
                        + " is outside ±" + dev.omnibus.internal.InputLimits.MAX_DECIMAL_SCALE);
            }
            return d;
        }
    }

    static final class InstantAsIso extends StdScalarSerializer<Instant> {
        private static final long serialVersionUID = 1L;

        InstantAsIso() {
            super(Instant.class);
        }

        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (gen instanceof com.fasterxml.jackson.core.json.UTF8JsonGenerator) {
                // ASCII digits straight into the output: no String, no escaping pass
                byte[] b = new byte[WireValues.MAX_INSTANT_LENGTH];
                int n = WireValues.writeInstant(value, b, 0);
                if (n > 0) {
                    gen.writeRawUTF8String(b, 0, n);
                    return;
                }
            }
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
            char[] chars = p.getTextCharacters();
            int to = WireValues.trimmedEnd(chars, p.getTextOffset(), p.getTextOffset() + p.getTextLength());
            int from = WireValues.trimmedStart(chars, p.getTextOffset(), to);
            if (from == to) {
                return null;
            }
            try {
                Instant fast = WireValues.parseUtc(chars, from, to - from); // the common shape, no String
                if (fast != null) {
                    return fast;
                }
                return WireValues.parseInstant(new String(chars, from, to - from));
            } catch (DateTimeException e) {
                String text = new String(chars, from, to - from);
                return (Instant) ctxt.handleWeirdStringValue(Instant.class, text,
                        "not an ISO-8601 date-time (%s)", e.getMessage());
            }
        }
    }

    static final class DurationAsTimeSpan extends StdScalarSerializer<java.time.Duration> {
        private static final long serialVersionUID = 1L;

        DurationAsTimeSpan() {
            super(java.time.Duration.class);
        }

        @Override
        public void serialize(java.time.Duration value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(WireValues.formatTimeSpan(value));
        }
    }

    static final class DurationFromTimeSpanOrIso extends StdScalarDeserializer<java.time.Duration> {
        private static final long serialVersionUID = 1L;

        DurationFromTimeSpanOrIso() {
            super(java.time.Duration.class);
        }

        @Override
        public java.time.Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                // numbers (seconds) and embedded values: as JavaTimeModule reads them
                return com.fasterxml.jackson.datatype.jsr310.deser.DurationDeserializer.INSTANCE.deserialize(p, ctxt);
            }
            String text = p.getText().trim();
            if (text.isEmpty()) {
                return null;
            }
            try {
                return WireValues.parseDuration(text);
            } catch (DateTimeException | ArithmeticException e) {
                return (java.time.Duration) ctxt.handleWeirdStringValue(java.time.Duration.class, text,
                        "not a .NET TimeSpan ([-][d.]hh:mm:ss[.fffffff]) nor an ISO-8601 duration (%s)", e.getMessage());
            }
        }
    }

    static final class HeadersAsObject extends StdScalarSerializer<dev.omnibus.Headers> {
        private static final long serialVersionUID = 1L;

        HeadersAsObject() {
            super(dev.omnibus.Headers.class);
        }

        @Override
        public void serialize(dev.omnibus.Headers value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            provider.defaultSerializeValue(value.asMap(), gen);
        }
    }

    static final class HeadersFromObject extends StdScalarDeserializer<dev.omnibus.Headers> {
        private static final long serialVersionUID = 1L;

        HeadersFromObject() {
            super(dev.omnibus.Headers.class);
        }

        @Override
        @SuppressWarnings("unchecked")
        public dev.omnibus.Headers deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(JsonToken.START_OBJECT)) {
                return (dev.omnibus.Headers) ctxt.handleUnexpectedToken(dev.omnibus.Headers.class, p);
            }
            java.util.Map<String, Object> map = ctxt.readValue(p, java.util.LinkedHashMap.class);
            return dev.omnibus.Headers.of(map);
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
            char[] chars = p.getTextCharacters();
            int to = WireValues.trimmedEnd(chars, p.getTextOffset(), p.getTextOffset() + p.getTextLength());
            int from = WireValues.trimmedStart(chars, p.getTextOffset(), to);
            if (from == to) {
                return null;
            }
            try {
                return WireValues.parseGuid(chars, from, to - from); // from the parser's characters, no String
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                String text = p.getText().trim();
                return (UUID) ctxt.handleWeirdStringValue(UUID.class, text,
                        "not a GUID (expected 8-4-4-4-12 hex digits, or 32 hex digits)");
            }
        }
    }
}
