package dev.omnibus.json;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalQueries;
import java.util.UUID;

/**
 * The scalar formats of MassTransit's wire, written and read the way System.Text.Json does:
 * GUIDs, UTC date-times and {@code TimeSpan}s. Stateless and thread-safe; every method allocates only its result.
 */
final class WireValues {
    /** 0001-01-01T00:00:00Z, the first instant .NET's DateTime can hold. */
    private static final long MIN_DOTNET_SECOND = -62_135_596_800L;
    /** 9999-12-31T23:59:59Z, the last whole second .NET's DateTime can hold. */
    private static final long MAX_DOTNET_SECOND = 253_402_300_799L;
    /** .NET ticks (100 ns since 0001-01-01) at the Unix epoch. */
    private static final long TICKS_AT_UNIX_EPOCH = 621_355_968_000_000_000L;
    private static final long TICKS_PER_SECOND = 10_000_000L;
    /** Timestamps embedded in ids are trusted only inside [2000, 2200). */
    private static final long PLAUSIBLE_FROM = 946_684_800L;
    private static final long PLAUSIBLE_UNTIL = 7_258_118_400L;
    /** STJ reads up to 16 fraction digits (and uses the first 7); we read as many and keep 9. */
    private static final int MAX_FRACTION_DIGITS = 16;
    /** For each byte value, its two lowercase hex digits: {@code HEX_PAIRS[2 * v]} then {@code [2 * v + 1]}. */
    private static final byte[] HEX_PAIRS = new byte[512];
    /** For 0-99, its two ASCII digits: {@code DIGIT_PAIRS[2 * v]} then {@code [2 * v + 1]}. */
    private static final byte[] DIGIT_PAIRS = new byte[200];
    private static final long DAYS_PER_400_YEARS = 146_097L;
    /** Days from 0000-03-01 to 1970-01-01: the civil-date algorithms count from a March 1. */
    private static final long DAYS_0000_03_01_TO_EPOCH = 719_468L;
    /** The value of each ASCII hex digit, -1 for other ASCII characters. */
    private static final byte[] HEX_VALUES = new byte[128];
    /** The value of each byte that is an ASCII hex digit, -1 for every other byte (indexed 0-255). */
    private static final int[] BYTE_HEX = new int[256];

    static {
        byte[] digits = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int v = 0; v < 256; v++) {
            HEX_PAIRS[2 * v] = digits[v >>> 4];
            HEX_PAIRS[2 * v + 1] = digits[v & 0xF];
        }
        for (int v = 0; v < 100; v++) {
            DIGIT_PAIRS[2 * v] = (byte) ('0' + v / 10);
            DIGIT_PAIRS[2 * v + 1] = (byte) ('0' + v % 10);
        }
        java.util.Arrays.fill(HEX_VALUES, (byte) -1);
        java.util.Arrays.fill(BYTE_HEX, -1);
        for (int c = 0; c < 128; c++) {
            int d = Character.digit(c, 16);
            if (d >= 0) {
                HEX_VALUES[c] = (byte) d;
                BYTE_HEX[c] = d;
            }
        }
    }
    /** The longest instant {@link #writeInstant} writes: 19 + '.' + 9 digits + 'Z'. */
    static final int MAX_INSTANT_LENGTH = 30;

    private WireValues() {
    }

    // ---------------------------------------------------------------- GUIDs

    /**
     * Parses a GUID in one of the forms .NET's {@code Guid.TryParse} accepts for envelope ids:
     * {@code D} (8-4-4-4-12), {@code N} (32 hex digits), and {@code B}/{@code P} (D in braces or
     * parentheses). Hex digits may be of either case.
     *
     * @throws IllegalArgumentException if {@code text} is none of those
     */
    static UUID parseGuid(String text) {
        return parseGuid(text.toCharArray(), 0, text.length());
    }

    /**
     * As {@link #parseGuid(String)}, from {@code len} characters of {@code s} at {@code at}: a
     * parser's text buffer, read without a {@code String} in between.
     *
     * @throws IllegalArgumentException if those characters are no GUID
     */
    static UUID parseGuid(char[] s, int at, int len) {
        if (len == 36) {
            return parseDashed(s, at);
        }
        if (len == 32) {
            return new UUID(hex(s, at, at + 16), hex(s, at + 16, at + 32));
        }
        if (len == 38) {
            char open = s[at];
            char close = s[at + 37];
            if ((open == '{' && close == '}') || (open == '(' && close == ')')) {
                return parseDashed(s, at + 1);
            }
        }
        throw new IllegalArgumentException("not a GUID");
    }

    private static UUID parseDashed(char[] s, int at) {
        if (s[at + 8] != '-' || s[at + 13] != '-' || s[at + 18] != '-' || s[at + 23] != '-') {
            throw new IllegalArgumentException("not a GUID");
        }
        // ASCII digits (always, in practice): the values looked up independently, as for bytes
        long a = hex4(s, at) << 16 | hex4(s, at + 4);
        long b = hex4(s, at + 9);
        long c = hex4(s, at + 14);
        long d = hex4(s, at + 19);
        long e = hex4(s, at + 24);
        long f = hex4(s, at + 28) << 16 | hex4(s, at + 32);
        if ((a | b | c | d | e | f) >= 0) {
            return new UUID(a << 32 | b << 16 | c, d << 48 | e << 32 | f);
        }
        // a non-ASCII character, or no digit: digit by digit, as Character.digit reads them
        long msb = hex(s, at, at + 8) << 32 | hex(s, at + 9, at + 13) << 16 | hex(s, at + 14, at + 18);
        long lsb = hex(s, at + 19, at + 23) << 48 | hex(s, at + 24, at + 36);
        return new UUID(msb, lsb);
    }

    /**
     * A {@code D} GUID (8-4-4-4-12 hex digits of either case) in the 36 bytes of {@code s} at
     * {@code at}: an envelope's id read from its JSON bytes, with no characters in between. The
     * other forms are read by {@link #parseGuid(char[], int, int)}.
     *
     * @throws IllegalArgumentException if those bytes are not a D GUID
     */
    static UUID parseDashedGuid(byte[] s, int at) {
        if (s[at + 8] != '-' || s[at + 13] != '-' || s[at + 18] != '-' || s[at + 23] != '-') {
            throw new IllegalArgumentException("not a GUID");
        }
        long a = hex8(s, at);
        long b = hex4(s, at + 9);
        long c = hex4(s, at + 14);
        long d = hex4(s, at + 19);
        long e = hex4(s, at + 24);
        long f = hex8(s, at + 28);
        if ((a | b | c | d | e | f) < 0) {
            throw new IllegalArgumentException("not a GUID");
        }
        return new UUID(a << 32 | b << 16 | c, d << 48 | e << 32 | f);
    }

    // The digits' values are looked up independently and combined at the end (no chain of shifts
    // from one digit to the next); any non-digit makes the result negative.

    private static long hex8(byte[] s, int at) {
        int v = BYTE_HEX[s[at] & 0xFF] << 28 | BYTE_HEX[s[at + 1] & 0xFF] << 24
                | BYTE_HEX[s[at + 2] & 0xFF] << 20 | BYTE_HEX[s[at + 3] & 0xFF] << 16
                | BYTE_HEX[s[at + 4] & 0xFF] << 12 | BYTE_HEX[s[at + 5] & 0xFF] << 8
                | BYTE_HEX[s[at + 6] & 0xFF] << 4 | BYTE_HEX[s[at + 7] & 0xFF];
        int bad = BYTE_HEX[s[at] & 0xFF] | BYTE_HEX[s[at + 1] & 0xFF] | BYTE_HEX[s[at + 2] & 0xFF]
                | BYTE_HEX[s[at + 3] & 0xFF] | BYTE_HEX[s[at + 4] & 0xFF] | BYTE_HEX[s[at + 5] & 0xFF]
                | BYTE_HEX[s[at + 6] & 0xFF] | BYTE_HEX[s[at + 7] & 0xFF];
        return bad < 0 ? -1 : v & 0xFFFF_FFFFL;
    }

    private static long hex4(byte[] s, int at) {
        int d0 = BYTE_HEX[s[at] & 0xFF];
        int d1 = BYTE_HEX[s[at + 1] & 0xFF];
        int d2 = BYTE_HEX[s[at + 2] & 0xFF];
        int d3 = BYTE_HEX[s[at + 3] & 0xFF];
        return (d0 | d1 | d2 | d3) < 0 ? -1 : d0 << 12 | d1 << 8 | d2 << 4 | d3;
    }

    /** Four ASCII hex digits' value, or a negative number (also for any non-ASCII character). */
    private static long hex4(char[] s, int at) {
        char c0 = s[at];
        char c1 = s[at + 1];
        char c2 = s[at + 2];
        char c3 = s[at + 3];
        if ((c0 | c1 | c2 | c3) >= 128) {
            return -1;
        }
        int d0 = HEX_VALUES[c0];
        int d1 = HEX_VALUES[c1];
        int d2 = HEX_VALUES[c2];
        int d3 = HEX_VALUES[c3];
        return (d0 | d1 | d2 | d3) < 0 ? -1 : d0 << 12 | d1 << 8 | d2 << 4 | d3;
    }

    private static long hex(char[] s, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = s[i];
            int d = c < 128 ? HEX_VALUES[c] : Character.digit(c, 16);
            if (d < 0) {
                throw new IllegalArgumentException("not a GUID");
            }
            v = v << 4 | d;
        }
        return v;
    }

    /** The length of a GUID written by {@link #writeGuid}. */
    static final int GUID_LENGTH = 36;

    /**
     * Writes {@code id} as a lowercase {@code D} GUID (what {@link UUID#toString()} gives) into
     * {@code b} at {@code at}, as ASCII bytes.
     *
     * @return the index after the last byte written ({@code at + 36})
     */
    static int writeGuid(UUID id, byte[] b, int at) {
        long msb = id.getMostSignificantBits();
        long lsb = id.getLeastSignificantBits();
        hexBytes(msb >>> 32, b, at, 8);
        b[at + 8] = '-';
        hexBytes(msb >>> 16, b, at + 9, 4);
        b[at + 13] = '-';
        hexBytes(msb, b, at + 14, 4);
        b[at + 18] = '-';
        hexBytes(lsb >>> 48, b, at + 19, 4);
        b[at + 23] = '-';
        hexBytes(lsb, b, at + 24, 12);
        return at + GUID_LENGTH;
    }

    /** The low {@code digits / 2} bytes of {@code value} as hex, two digits per table lookup; {@code digits} is even. */
    private static void hexBytes(long value, byte[] b, int at, int digits) {
        for (int i = at + digits - 2; i >= at; i -= 2) {
            int pair = ((int) value & 0xFF) << 1;
            b[i] = HEX_PAIRS[pair];
            b[i + 1] = HEX_PAIRS[pair + 1];
            value >>>= 8;
        }
    }

    /**
     * The send time embedded in a message id, the way MassTransit's raw serializer recovers a
     * sent time that no header carries; null when the id carries none we can trust.
     *
     * <p>A UUIDv7 (what Omnibus writes) holds Unix milliseconds in its first 48 bits. A MassTransit
     * {@code NewId} holds .NET ticks: the low 16 bits in bytes 8-9 and the high 48 bits in bytes
     * 10-15, so {@code 181c0000-6393-3630-36a4-08daf4e7c6da} was made at
     * 2023-01-12T21:55:53.715882Z. Random (version 4) ids and ids whose time falls outside
     * 2000-2200 give null.
     */
    static Instant timestampOf(UUID id) {
        if (id.variant() == 2 && id.version() == 7) {
            long millis = id.getMostSignificantBits() >>> 16;
            if (plausible(millis / 1000)) {
                return Instant.ofEpochMilli(millis);
            }
        }
        if (id.variant() == 2 && id.version() == 4) {
            return null;
        }
        long lsb = id.getLeastSignificantBits();
        long ticks = lsb << 16 | lsb >>> 48;
        long unixTicks = ticks - TICKS_AT_UNIX_EPOCH;
        long seconds = Math.floorDiv(unixTicks, TICKS_PER_SECOND);
        if (ticks < 0 || !plausible(seconds)) {
            return null;
        }
        return Instant.ofEpochSecond(seconds, Math.floorMod(unixTicks, TICKS_PER_SECOND) * 100);
    }

    private static boolean plausible(long epochSecond) {
        return epochSecond >= PLAUSIBLE_FROM && epochSecond < PLAUSIBLE_UNTIL;
    }

    // ---------------------------------------------------------------- instants

    /**
     * Writes {@code t} as System.Text.Json writes a UTC DateTime: {@code yyyy-MM-ddTHH:mm:ss},
     * then the fraction with trailing zeros dropped (none when it is zero), then {@code Z}. .NET
     * keeps 7 digits; a Java instant finer than 100 ns is written with up to 9, which .NET reads
     * (it accepts 16). Instants outside .NET's years 1-9999 fall back to ISO-8601 as Java writes it.
     */
    static String formatInstant(Instant t) {
        byte[] b = new byte[MAX_INSTANT_LENGTH];
        int n = writeInstant(t, b, 0);
        return n < 0 ? DateTimeFormatter.ISO_INSTANT.format(t)
                : new String(b, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Writes {@code t} as {@link #formatInstant} does, as ASCII bytes into {@code b} at
     * {@code at} (room for {@value #MAX_INSTANT_LENGTH} bytes), without a {@code String}.
     *
     * @return the index after the last byte written, or -1 if {@code t} is outside .NET's years
     *         1-9999 (then nothing is written: use {@link #formatInstant})
     */
    static int writeInstant(Instant t, byte[] b, int at) {
        long seconds = t.getEpochSecond();
        if (seconds < MIN_DOTNET_SECOND || seconds > MAX_DOTNET_SECOND) {
            return -1;
        }
        long day = Math.floorDiv(seconds, 86_400L);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        // the civil date of an epoch day (H. Hinnant's civil_from_days, what LocalDate.ofEpochDay computes)
        long z = day + DAYS_0000_03_01_TO_EPOCH;
        long era = Math.floorDiv(z, DAYS_PER_400_YEARS);
        int dayOfEra = (int) (z - era * DAYS_PER_400_YEARS);
        int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int shiftedMonth = (5 * dayOfYear + 2) / 153; // March is 0
        int dayOfMonth = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1;
        int month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
        int year = (int) (era * 400 + yearOfEra) + (month <= 2 ? 1 : 0);
        two(b, at, year / 100);
        two(b, at + 2, year % 100);
        b[at + 4] = '-';
        two(b, at + 5, month);
        b[at + 7] = '-';
        two(b, at + 8, dayOfMonth);
        b[at + 10] = 'T';
        two(b, at + 11, secondOfDay / 3600);
        b[at + 13] = ':';
        two(b, at + 14, secondOfDay / 60 % 60);
        b[at + 16] = ':';
        two(b, at + 17, secondOfDay % 60);
        int n = at + 19;
        int nanos = t.getNano();
        if (nanos != 0) {
            int digits = 9;
            while (nanos % 10 == 0) {
                nanos /= 10;
                digits--;
            }
            b[n++] = '.';
            put(b, n, nanos, digits);
            n += digits;
        }
        b[n++] = 'Z';
        return n;
    }

    /** {@code value} (0-99) as two ASCII digits. */
    private static void two(byte[] b, int at, int value) {
        b[at] = DIGIT_PAIRS[2 * value];
        b[at + 1] = DIGIT_PAIRS[2 * value + 1];
    }

    /**
     * The epoch day of a proleptic Gregorian date, as {@code LocalDate.of(year, month, day).toEpochDay()}
     * (H. Hinnant's days_from_civil) without the object; a date that does not exist throws
     * {@code LocalDate.of}'s own {@link DateTimeException}. {@code year} is 0-9999 here (four digits).
     */
    private static long epochDay(int year, int month, int day) {
        if (month < 1 || month > 12 || day < 1 || day > 28 && day > monthLength(year, month)) {
            LocalDate.of(year, month, day); // throws, saying which part is wrong
        }
        int y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        int yearOfEra = (int) (y - era * 400);
        int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * DAYS_PER_400_YEARS + dayOfEra - DAYS_0000_03_01_TO_EPOCH;
    }

    private static int monthLength(int year, int month) {
        if (month == 2) {
            return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
        }
        return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
    }

    private static void put(byte[] b, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            b[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * Reads an ISO-8601 date-time as System.Text.Json does for a DateTime: {@code Z} or an offset
     * converts to UTC; no offset is taken as UTC (what MassTransit writes is always UTC); a date
     * alone is its start of day. Up to 16 fraction digits are read and the first 9 kept.
     *
     * @throws DateTimeException if {@code text} is not such a date-time
     */
    static Instant parseInstant(String text) {
        Instant fast = parseUtc(text.toCharArray(), 0, text.length());
        if (fast != null) {
            return fast;
        }
        if (text.length() == 10) {
            return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC);
        }
        TemporalAccessor parsed = DateTimeFormatter.ISO_DATE_TIME.parse(text);
        if (parsed.query(TemporalQueries.offset()) != null) {
            return Instant.from(parsed);
        }
        return LocalDateTime.from(parsed).toInstant(ZoneOffset.UTC);
    }

    /**
     * The common shape {@code yyyy-MM-ddTHH:mm:ss[.f…]Z} in {@code len} characters of {@code s}
     * at {@code at} (a parser's text buffer), without DateTimeFormatter nor a {@code String};
     * null for any other shape, which {@link #parseInstant} then reads the slow way.
     *
     * @throws DateTimeException if the shape is right but the date does not exist (February 30)
     */
    static Instant parseUtc(char[] s, int at, int len) {
        if (len < 20 || len > 20 + 1 + MAX_FRACTION_DIGITS || s[at + len - 1] != 'Z'
                || s[at + 4] != '-' || s[at + 7] != '-' || s[at + 10] != 'T'
                || s[at + 13] != ':' || s[at + 16] != ':') {
            return null;
        }
        int year = digits(s, at, at + 4);
        int month = digits(s, at + 5, at + 7);
        int day = digits(s, at + 8, at + 10);
        int hour = digits(s, at + 11, at + 13);
        int minute = digits(s, at + 14, at + 16);
        int second = digits(s, at + 17, at + 19);
        if ((year | month | day | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (len > 20) {
            if (s[at + 19] != '.' || len == 21) {
                return null;
            }
            int scale = 100_000_000;
            for (int i = at + 20; i < at + len - 1; i++) {
                int d = s[i] - '0';
                if (d < 0 || d > 9) {
                    return null;
                }
                nanos += d * scale;
                scale /= 10;
            }
        }
        long epochDay = epochDay(year, month, day);
        return Instant.ofEpochSecond(epochDay * 86_400L + hour * 3600L + minute * 60L + second, nanos);
    }
    /**
     * {@link #parseUtc(char[], int, int)} over {@code len} ASCII bytes of {@code s} at {@code at}:
     * an envelope's time read from its JSON bytes, with no characters in between. The same
     * checks, character for character; bytes above 0x7f fail them.
     *
     * @throws DateTimeException if the shape is right but the date does not exist
     */
    static Instant parseUtc(byte[] s, int at, int len) {
        if (len < 20 || len > 20 + 1 + MAX_FRACTION_DIGITS || s[at + len - 1] != 'Z'
                || s[at + 4] != '-' || s[at + 7] != '-' || s[at + 10] != 'T'
                || s[at + 13] != ':' || s[at + 16] != ':') {
            return null;
        }
        int century = two(s, at);
        int yearOfCentury = two(s, at + 2);
        int year = (century | yearOfCentury) < 0 ? -1 : century * 100 + yearOfCentury;
        int month = two(s, at + 5);
        int day = two(s, at + 8);
        int hour = two(s, at + 11);
        int minute = two(s, at + 14);
        int second = two(s, at + 17);
        if ((year | month | day | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (len > 20) {
            if (s[at + 19] != '.' || len == 21) {
                return null;
            }
            int scale = 100_000_000;
            for (int i = at + 20; i < at + len - 1; i++) {
                int d = s[i] - '0';
                if (d < 0 || d > 9) {
                    return null;
                }
                nanos += d * scale;
                scale /= 10;
            }
        }
        long epochDay = epochDay(year, month, day);
        return Instant.ofEpochSecond(epochDay * 86_400L + hour * 3600L + minute * 60L + second, nanos);
    }

    /** Two ASCII digits' value, or a large negative number if either byte is not a digit. */
    private static int two(byte[] s, int at) {
        int d0 = s[at] - '0';
        int d1 = s[at + 1] - '0';
        return (d0 | d1 | 9 - d0 | 9 - d1) < 0 ? Integer.MIN_VALUE : d0 * 10 + d1;
    }


    // ---------------------------------------------------------------- durations

    private static final long SECONDS_PER_DAY = 86_400L;
    private static final int NANOS_PER_TICK = 100;
    private static final java.util.regex.Pattern TIME_SPAN = java.util.regex.Pattern.compile(
            "([-+])?(?:(\\d+)\\.)?(\\d{1,2}):(\\d{1,2})(?::(\\d{1,2})(?:\\.(\\d{1,9}))?)?");

    /**
     * Writes {@code d} as System.Text.Json writes a .NET {@code TimeSpan}, the constant ("c")
     * format {@code [-][d.]hh:mm:ss[.fffffff]}: days only when there are any, the 7-digit fraction
     * only when it is not zero; nanoseconds below a 100 ns tick are dropped.
     */
    static String formatTimeSpan(java.time.Duration d) {
        boolean negative = d.isNegative();
        java.time.Duration a = negative ? d.negated() : d;
        long seconds = a.getSeconds();
        int ticks = a.getNano() / NANOS_PER_TICK;
        StringBuilder b = new StringBuilder(26);
        if (negative) {
            b.append('-');
        }
        long days = seconds / SECONDS_PER_DAY;
        int secondOfDay = (int) (seconds % SECONDS_PER_DAY);
        if (days > 0) {
            b.append(days).append('.');
        }
        two(b, secondOfDay / 3600).append(':');
        two(b, secondOfDay / 60 % 60).append(':');
        two(b, secondOfDay % 60);
        if (ticks != 0) {
            String f = Integer.toString(ticks);
            b.append('.').append("0000000", 0, 7 - f.length()).append(f);
        }
        return b.toString();
    }

    private static StringBuilder two(StringBuilder b, int v) {
        return b.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }

    /**
     * Reads a .NET {@code TimeSpan} in the constant format ({@code [-][d.]hh:mm[:ss[.fffffff]]}, hours
     * below 24, minutes and seconds below 60, up to 9 fraction digits) or an ISO-8601 duration
     * ({@code PT1H30M}).
     *
     * @throws DateTimeException if {@code text} is neither
     */
    static java.time.Duration parseDuration(String text) {
        String t = text.trim();
        if (t.startsWith("P") || t.startsWith("-P") || t.startsWith("+P") || t.startsWith("p")) {
            return java.time.Duration.parse(t);
        }
        java.util.regex.Matcher m = TIME_SPAN.matcher(t);
        if (!m.matches()) {
            throw new DateTimeException("not a TimeSpan ([-][d.]hh:mm:ss[.fffffff]) nor an ISO-8601 duration");
        }
        long days = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
        int hours = Integer.parseInt(m.group(3));
        int minutes = Integer.parseInt(m.group(4));
        int secs = m.group(5) == null ? 0 : Integer.parseInt(m.group(5));
        if (hours > 23 || minutes > 59 || secs > 59) {
            throw new DateTimeException("TimeSpan out of range: hours must be below 24, minutes and seconds below 60");
        }
        long nanos = 0;
        if (m.group(6) != null) {
            String f = m.group(6);
            nanos = Long.parseLong(f) * (long) Math.pow(10, 9 - f.length());
        }
        java.time.Duration d = java.time.Duration.ofDays(days).plusHours(hours).plusMinutes(minutes)
                .plusSeconds(secs).plusNanos(nanos);
        return "-".equals(m.group(1)) ? d.negated() : d;
    }

    /** The first index in {@code s[from, to)} that {@link String#trim()} keeps ({@code to} if none). */
    static int trimmedStart(char[] s, int from, int to) {
        while (from < to && s[from] <= ' ') {
            from++;
        }
        return from;
    }

    /** The index after the last character in {@code s[from, to)} that {@link String#trim()} keeps. */
    static int trimmedEnd(char[] s, int from, int to) {
        while (to > from && s[to - 1] <= ' ') {
            to--;
        }
        return to;
    }

    /** The decimal number in {@code s[from, to)}, or -1 if a character is not a digit. */
    private static int digits(char[] s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }
}
