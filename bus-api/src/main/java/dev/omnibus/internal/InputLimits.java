package dev.omnibus.internal;

/**
 * Limits on values read from the wire that are cheap to read but costly to use: the codecs check
 * them as they read, so a hostile message fails there, with a {@code SerializationException},
 * instead of later in a consumer. Public for the codecs in other packages; not API.
 */
public final class InputLimits {
    /**
     * The largest decimal scale, either sign, a codec reads: {@code 1e1000000000} is three characters
     * that {@code toPlainString()} or {@code toBigInteger()} turn into a billion digits. .NET's
     * decimal, MassTransit's, has a scale of at most 28.
     */
    public static final int MAX_DECIMAL_SCALE = 1_000;

    private static final com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator DENY_CLASS_NAMES = new DenyClassNames();

    private InputLimits() {
    }

    /**
     * A Jackson type validator that denies every class named in a message, by name, before Jackson
     * loads it (Jackson's {@code BasicPolymorphicTypeValidator} with no rules is undecided by name, and
     * Jackson then loads and initializes the class to ask again). Type ids by name
     * ({@code @JsonTypeInfo(use = NAME)} with {@code @JsonSubTypes}) do not go through a validator.
     */
    public static com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator denyClassNames() {
        return DENY_CLASS_NAMES;
    }

    private static final class DenyClassNames extends com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator.Base {
        private static final long serialVersionUID = 1L;

        @Override
        public Validity validateBaseType(com.fasterxml.jackson.databind.cfg.MapperConfig<?> config,
                com.fasterxml.jackson.databind.JavaType baseType) {
            return Validity.INDETERMINATE;
        }

        @Override
        public Validity validateSubClassName(com.fasterxml.jackson.databind.cfg.MapperConfig<?> config,
                com.fasterxml.jackson.databind.JavaType baseType, String subClassName) {
            return Validity.DENIED;
        }

        @Override
        public Validity validateSubType(com.fasterxml.jackson.databind.cfg.MapperConfig<?> config,
                com.fasterxml.jackson.databind.JavaType baseType, com.fasterxml.jackson.databind.JavaType subType) {
            return Validity.DENIED;
        }
    }

    /** The most characters of a value read from the wire that {@link #forLog} keeps. */
    public static final int MAX_LOGGED_CHARS = 256;

    /**
     * {@code value} as text fit for one log line: control characters (CR and LF first, which would let a
     * message forge log lines) written as escapes, and cut at {@link #MAX_LOGGED_CHARS} characters.
     * For anything taken from a message or a transport header before it is logged.
     */
    public static String forLog(Object value) {
        if (value == null) {
            return "null";
        }
        String s = value.toString();
        int n = Math.min(s.length(), MAX_LOGGED_CHARS);
        StringBuilder out = null;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                if (out == null) {
                    out = new StringBuilder(n + 16).append(s, 0, i);
                }
                switch (c) {
                    case '\r' -> out.append("\\r");
                    case '\n' -> out.append("\\n");
                    case '\t' -> out.append("\\t");
                    default -> out.append(String.format("\\u%04x", (int) c));
                }
            } else if (out != null) {
                out.append(c);
            }
        }
        String kept = out != null ? out.toString() : n == s.length() ? s : s.substring(0, n);
        return n < s.length() ? kept + "…(" + s.length() + " chars)" : kept;
    }

    /** Whether {@code scale} is within {@link #MAX_DECIMAL_SCALE}. */
    public static boolean decimalScaleAllowed(int scale) {
        return scale >= -MAX_DECIMAL_SCALE && scale <= MAX_DECIMAL_SCALE;
    }
}
