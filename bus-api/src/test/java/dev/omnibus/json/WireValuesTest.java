package dev.omnibus.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class WireValuesTest {
    private static final UUID ID = UUID.fromString("181c0000-6393-3630-36a4-08daf4e7c6da");

    @ParameterizedTest
    @ValueSource(strings = {
        "181c0000-6393-3630-36a4-08daf4e7c6da",
        "181C0000-6393-3630-36A4-08DAF4E7C6DA",
        "181c00006393363036a408daf4e7c6da",
        "{181c0000-6393-3630-36a4-08daf4e7c6da}",
        "(181c0000-6393-3630-36a4-08daf4e7c6da)"})
    void guidsAreReadInEveryDotNetForm(String text) {
        assertThat(WireValues.parseGuid(text)).isEqualTo(ID);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "181c0000", "181c0000-6393-3630-36a4_08daf4e7c6da", "181c0000-6393-3630-36a4-08daf4e7c6dz",
        "{181c0000-6393-3630-36a4-08daf4e7c6da)", "181c00006393363036a408daf4e7c6d+"})
    void malformedGuidsAreRejected(String text) {
        assertThatThrownBy(() -> WireValues.parseGuid(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({
        "2023-07-04T11:39:59.689102Z, 2023-07-04T11:39:59.689102Z",
        "2023-07-04T11:39:59.689100Z, 2023-07-04T11:39:59.6891Z",
        "2023-01-12T21:55:53.714Z,    2023-01-12T21:55:53.714Z",
        "2020-04-22T21:16:51.9778323Z, 2020-04-22T21:16:51.9778323Z",
        "2023-07-04T11:40:00Z,        2023-07-04T11:40:00Z",
        "1969-12-31T23:59:59.5Z,      1969-12-31T23:59:59.5Z",
        "2024-02-29T00:00:00.000000001Z, 2024-02-29T00:00:00.000000001Z",
        "0001-01-01T00:00:00Z,        0001-01-01T00:00:00Z"})
    void instantsAreWrittenAsSystemTextJsonWritesThem(String instant, String written) {
        assertThat(WireValues.formatInstant(Instant.parse(instant))).isEqualTo(written);
        assertThat(WireValues.parseInstant(written)).isEqualTo(Instant.parse(instant));
    }

    @Test
    void instantsOutsideDotNetYearsFallBackToIso() {
        Instant far = Instant.parse("+10000-01-01T00:00:00Z");

        assertThat(WireValues.formatInstant(far)).isEqualTo("+10000-01-01T00:00:00Z");
    }

    @ParameterizedTest
    @CsvSource({
        "2023-07-04T13:39:59.6891020+02:00, 2023-07-04T11:39:59.689102Z",
        "2023-07-04T11:39:59.689102,        2023-07-04T11:39:59.689102Z",
        "2023-07-04T11:39:59.68910212345678Z, 2023-07-04T11:39:59.689102123Z",
        "2023-07-04,                        2023-07-04T00:00:00Z"})
    void instantsAreReadWithAnOffsetWithoutOneOrWithExtraDigits(String text, String instant) {
        assertThat(WireValues.parseInstant(text)).isEqualTo(Instant.parse(instant));
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "2023-13-01T00:00:00Z", "2023-02-30T00:00:00Z", "2023-07-04T25:00:00Z",
        "2023-07-04T11:39:59.123+25:00", "2023-07-04 11:39:59Z"})
    void malformedInstantsAreRejected(String text) {
        assertThatThrownBy(() -> WireValues.parseInstant(text)).isInstanceOf(DateTimeException.class);
    }

    @ParameterizedTest
    @CsvSource({
        "181c0000-6393-3630-36a4-08daf4e7c6da, 2023-01-12T21:55:53.715882Z",
        "00ab0000-6ab3-f8b4-f78c-08db7c8365ff, 2023-07-04T11:39:59.689102Z",
        "7a000000-9a3c-0005-1813-08d7e7027a0c, 2020-04-22T21:16:51.9778323Z"})
    void massTransitNewIdsCarryTheirSentTime(String id, String sentTime) {
        assertThat(WireValues.timestampOf(UUID.fromString(id))).isEqualTo(Instant.parse(sentTime));
    }

    @Test
    void uuidV7CarriesItsMilliseconds() {
        UUID v7 = UUID.fromString("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f70");

        assertThat(WireValues.timestampOf(v7)).isEqualTo(Instant.ofEpochMilli(0x0190f3b27c1eL));
    }

    @Test
    void randomUuidsCarryNoTime() {
        assertThat(WireValues.timestampOf(UUID.fromString("ef375b18-69ee-4a9e-b5ec-44ee1177a27e"))).isNull();
        assertThat(WireValues.timestampOf(new UUID(0, 0))).isNull();
    }

    // ---------------------------------------------------------------- the byte twins the envelope scanner uses

    @ParameterizedTest
    @ValueSource(strings = {
        "181c0000-6393-3630-36a4-08daf4e7c6da", "181C0000-6393-3630-36A4-08DAF4E7C6DA", "181c0000-6393-3630-36a4_08daf4e7c6da",
        "181c0000-6393-3630-36a4-08daf4e7c6dz", "181c0000-6393-3630-36a4-08daf4e7c6d\"", "181c0000-6393-3630-36a4-08daf4e7c6d\u00e9",
        "181c0000-6393-3630-36a4-08daf4e7c6d\\"})
    void aDashedGuidReadsFromBytesAsFromCharacters(String text) {
        byte[] bytes = ("xx" + text).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Object fromChars;
        try {
            fromChars = text.length() == 36 ? WireValues.parseGuid(text) : "rejected";
        } catch (IllegalArgumentException e) {
            fromChars = "rejected";
        }
        Object fromBytes;
        try {
            fromBytes = WireValues.parseDashedGuid(bytes, 2);
        } catch (IllegalArgumentException e) {
            fromBytes = "rejected";
        }
        assertThat(fromBytes).isEqualTo(fromChars);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "2023-07-04T11:39:59.689102Z", "2023-07-04T11:39:59Z", "2023-07-04T11:39:59.1234567890123456Z",
        "2023-07-04T11:39:59.Z", "2023-07-04T11:39:59+02:00", "2023-07-04 11:39:59Z", "2023-07-04T24:00:00Z",
        "2023-07-04T11:39:5xZ", "2023-07-04T11:39:59.68é1Z", "2023-07-04", "2024-02-30T00:00:00Z",
        "2x23-07-04T11:39:59Z", "20x3-07-04T11:39:59Z", "-023-07-04T11:39:59Z", "2023-0/-04T11:39:59Z", "2023-07-04T11:39:59.1:3Z"})
    void aUtcTimeReadsFromBytesAsFromCharacters(String text) {
        byte[] bytes = ("x" + text).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Object fromChars;
        try {
            fromChars = String.valueOf(WireValues.parseUtc(text.toCharArray(), 0, text.length()));
        } catch (DateTimeException e) {
            fromChars = "no such date";
        }
        Object fromBytes;
        try {
            fromBytes = bytes.length - 1 == text.length() ? String.valueOf(WireValues.parseUtc(bytes, 1, text.length()))
                    : String.valueOf(WireValues.parseUtc(bytes, 1, bytes.length - 1)); // non-ASCII: more bytes
        } catch (DateTimeException e) {
            fromBytes = "no such date";
        }
        assertThat(fromBytes).isEqualTo(fromChars);
    }

    @Test
    void everyDateOfDotNetsRangeIsWrittenAndReadAsJavaTimeDoesIt() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(12);
        List<Instant> instants = new java.util.ArrayList<>(List.of(Instant.parse("0001-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.9999999Z"), Instant.parse("2000-02-29T12:00:00Z"),
                Instant.parse("1900-03-01T00:00:00Z"), Instant.parse("1970-01-01T00:00:00.000000001Z")));
        for (int n = 0; n < 200_000; n++) {
            long second = random.nextLong(-62_135_596_800L, 253_402_300_800L);
            instants.add(Instant.ofEpochSecond(second, random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000)));
        }
        for (Instant t : instants) {
            String text = WireValues.formatInstant(t);
            // Java writes the same fields; the year always with four digits in this range
            String iso = java.time.format.DateTimeFormatter.ISO_INSTANT.format(t);
            assertThat(text.substring(0, 19)).isEqualTo(iso.substring(0, 19));
            assertThat(WireValues.parseUtc(text.toCharArray(), 0, text.length())).isEqualTo(t);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2023-02-29T00:00:00Z", "2023-04-31T00:00:00Z", "2023-13-01T00:00:00Z",
        "2023-00-01T00:00:00Z", "2023-01-00T00:00:00Z", "1900-02-29T00:00:00Z"})
    void daysThatDoNotExistFailAsLocalDateSaysSo(String text) {
        String localDate;
        try {
            java.time.LocalDate.parse(text.substring(0, 10));
            localDate = "exists";
        } catch (java.time.format.DateTimeParseException e) {
            localDate = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
        }
        assertThatThrownBy(() -> WireValues.parseUtc(text.toCharArray(), 0, text.length()))
                .isInstanceOf(DateTimeException.class).hasMessage(localDate);
    }
}
