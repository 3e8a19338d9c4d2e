package dev.omnibus.binary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.ExceptionInfo;
import dev.omnibus.Fault;
import dev.omnibus.HostInfo;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.SerializationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The bare record form: every supported type round-trips, nulls included; what cannot be written fails early. */
class BinaryCodecTest {
    enum Colour { RED, GREEN, BLUE }

    record Scalars(boolean flag, byte b, short s, char c, int i, long l, float f, double d) {
    }

    record Boxed(Boolean flag, Byte b, Short s, Character c, Integer i, Long l, Float f, Double d) {
    }

    record References(String text, UUID id, BigDecimal amount, BigInteger big, Instant at, Duration took,
            LocalDate day, LocalTime time, LocalDateTime local, OffsetDateTime offset, URI uri, Colour colour,
            byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof References r && Arrays.equals(r.bytes, bytes)
                    && Arrays.asList(text, id, amount, big, at, took, day, time, local, offset, uri, colour)
                    .equals(Arrays.asList(r.text, r.id, r.amount, r.big, r.at, r.took, r.day, r.time, r.local,
                            r.offset, r.uri, r.colour));
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    record Line(int no, String sku, BigDecimal price) {
    }

    record Address(String street, String city) {
    }

    record Containers(List<Line> lines, Set<String> tags, Map<String, Integer> counts, Optional<Address> shipTo,
            Optional<String> note, List<List<Integer>> matrix, Map<UUID, Address> byId, int[] numbers,
            String[] names, Address nested) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Containers c && Arrays.equals(c.numbers, numbers) && Arrays.equals(c.names, names)
                    && Arrays.asList(lines, tags, counts, shipTo, note, matrix, byId, nested)
                    .equals(Arrays.asList(c.lines, c.tags, c.counts, c.shipTo, c.note, c.matrix, c.byId, c.nested));
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    record Empty() {
    }

    /** A concrete non-record class: written through Jackson for this component. */
    public static final class Legacy {
        public String name;
        public int size;

        @Override
        public boolean equals(Object o) {
            return o instanceof Legacy l && java.util.Objects.equals(l.name, name) && l.size == size;
        }

        @Override
        public int hashCode() {
            return size;
        }
    }

    record WithLegacy(String id, Legacy legacy) {
    }

    record WithInterface(String id, CharSequence text) {
    }

    record Page<T>(List<T> items, T first) {
    }

    record Holder(Page<Line> page) {
    }

    record Node(String name, Node next) {
    }

    record Checked(int quantity) {
        Checked {
            if (quantity < 0) {
                throw new IllegalArgumentException("quantity must not be negative");
            }
        }
    }

    private final BinaryCodec codec = BinaryCodec.create();

    private <T> T roundTrip(T value) {
        @SuppressWarnings("unchecked")
        Class<T> type = (Class<T>) value.getClass();
        return codec.decode(codec.encode(value), type);
    }

    @Test
    void primitivesRoundTripAtTheirLimits() {
        Scalars max = new Scalars(true, Byte.MAX_VALUE, Short.MAX_VALUE, Character.MAX_VALUE, Integer.MAX_VALUE,
                Long.MAX_VALUE, Float.MAX_VALUE, Double.MAX_VALUE);
        Scalars min = new Scalars(false, Byte.MIN_VALUE, Short.MIN_VALUE, Character.MIN_VALUE, Integer.MIN_VALUE,
                Long.MIN_VALUE, -Float.MIN_VALUE, Double.NaN);
        Scalars zero = new Scalars(false, (byte) 0, (short) 0, 'x', 0, 0, 0f, -0.0);

        assertThat(roundTrip(max)).isEqualTo(max);
        assertThat(roundTrip(min)).isEqualTo(min);
        assertThat(roundTrip(zero)).isEqualTo(zero);
    }

    @Test
    void boxedValuesRoundTripAndSoDoTheirNulls() {
        Boxed full = new Boxed(true, (byte) -3, (short) 300, 'é', -70_000, 5_000_000_000L, 1.5f, -2.25);
        Boxed nulls = new Boxed(null, null, null, null, null, null, null, null);

        assertThat(roundTrip(full)).isEqualTo(full);
        assertThat(roundTrip(nulls)).isEqualTo(nulls);
    }

    @Test
    void referenceTypesRoundTripAndSoDoTheirNulls() {
        References full = new References("Zoë Ünal – 東京 🚀", UUID.randomUUID(), new BigDecimal("-1234.5600"),
                new BigInteger("-123456789012345678901234567890"), Instant.parse("1969-12-31T23:59:59.999999999Z"),
                Duration.ofSeconds(-5, 7), LocalDate.of(-40, 2, 29), LocalTime.of(23, 59, 59, 999_999_999),
                LocalDateTime.of(2026, 11, 26, 9, 15, 30, 123_456_000),
                OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 6, ZoneOffset.ofHoursMinutes(-9, -30)),
                URI.create("rabbitmq://host/vhost/orders?temporary=true"), Colour.BLUE, new byte[] {0, -1, 127});
        References nulls = new References(null, null, null, null, null, null, null, null, null, null, null, null, null);
        References empty = new References("", UUID.randomUUID(), BigDecimal.ZERO, BigInteger.ZERO, Instant.EPOCH,
                Duration.ZERO, LocalDate.EPOCH, LocalTime.MIDNIGHT, LocalDateTime.MIN, OffsetDateTime.MAX,
                URI.create("queue:x"), Colour.RED, new byte[0]);

        assertThat(roundTrip(full)).isEqualTo(full);
        assertThat(roundTrip(nulls)).isEqualTo(nulls);
        assertThat(roundTrip(empty)).isEqualTo(empty);
    }

    @Test
    void decimalsKeepScaleAndPrecisionBeyondALong() {
        for (String text : List.of("0.10", "1E+3", "-0.000", "9223372036854775807", "9223372036854775808.5",
                "-123456789012345678901234567890.123456789", "1e-400")) {
            Line line = new Line(1, "sku", new BigDecimal(text));
            assertThat(roundTrip(line).price()).as(text).isEqualTo(new BigDecimal(text));
        }
    }

    @Test
    void stringsOfEveryLengthAndAlphabetRoundTrip() {
        for (String text : List.of("a".repeat(126), "a".repeat(127), "a".repeat(128), "é".repeat(100),
                "x".repeat(100) + "é", "𝄞".repeat(70), "a".repeat(100_000))) {
            Address a = new Address(text, "c");
            assertThat(roundTrip(a)).isEqualTo(a);
        }
    }

    @Test
    void collectionsOptionalsArraysAndNestedRecordsRoundTrip() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("a", 1);
        counts.put("b", null);
        Map<UUID, Address> byId = new LinkedHashMap<>();
        byId.put(UUID.randomUUID(), new Address("Hauptstraße 12", "Berlin"));
        List<Line> lines = new ArrayList<>();
        lines.add(new Line(1, "SKU-1", new BigDecimal("0.10")));
        lines.add(null);
        Containers full = new Containers(lines, new LinkedHashSet<>(List.of("x", "y")), counts,
                Optional.of(new Address("s", "c")), Optional.empty(), List.of(List.of(1, 2), List.of()), byId,
                new int[] {Integer.MIN_VALUE, 0, 5}, new String[] {"a", null}, new Address(null, "c"));
        Containers nulls = new Containers(null, null, null, null, null, null, null, null, null, null);
        Containers empty = new Containers(List.of(), Set.of(), Map.of(), Optional.empty(), Optional.empty(),
                List.of(), Map.of(), new int[0], new String[0], new Address("", ""));

        assertThat(roundTrip(full)).isEqualTo(full);
        assertThat(roundTrip(nulls)).isEqualTo(nulls);
        assertThat(roundTrip(empty)).isEqualTo(empty);
        assertThat(roundTrip(full).tags()).containsExactly("x", "y");
    }

    @Test
    void recordWithoutComponentsIsZeroBytes() {
        assertThat(codec.encode(new Empty())).isEmpty();
        assertThat(codec.decode(new byte[0], Empty.class)).isEqualTo(new Empty());
    }

    @Test
    void formIsCompact() {
        // int 1 (1 byte), "ab" (3), 0.10 (scale 1 + form 1 + value 1 + presence 1)
        assertThat(codec.encode(new Line(1, "ab", new BigDecimal("0.10")))).hasSize(8);
    }

    @Test
    void recursiveRecordsRoundTrip() {
        Node chain = new Node("a", new Node("b", new Node("c", null)));
        ExceptionInfo info = ExceptionInfo.of(new IllegalStateException("outer", new RuntimeException("inner")));
        record Failure(ExceptionInfo info) {
        }

        assertThat(roundTrip(chain)).isEqualTo(chain);
        assertThat(roundTrip(new Failure(info))).isEqualTo(new Failure(info));
    }

    @Test
    void faultOfTIsBoundThroughTheRegistrysParameterizedType() {
        MessageTypeRegistry registry = MessageTypeRegistry.create();
        MessageType faultType = registry.faultOf(Line.class);
        Fault<Line> fault = new Fault<>(UUID.randomUUID(), UUID.randomUUID(), Instant.now(),
                List.of(ExceptionInfo.of(new IllegalStateException("boom"))), HostInfo.current(),
                registry.typeOf(Line.class).messageTypes(), new Line(7, "SKU-7", BigDecimal.ONE));

        byte[] bytes = codec.encode(fault);
        Object back = codec.decode(bytes, faultType.javaType());

        assertThat(back).isEqualTo(fault);
        assertThat(((Fault<?>) back).message()).isInstanceOf(Line.class);
        assertThat(codec.fingerprint(faultType.javaType())).isEqualTo(codec.fingerprint(Fault.class));
        assertThatThrownBy(() -> codec.decode(bytes, Fault.class))
                .isInstanceOf(SerializationException.class).hasMessageContaining("<T>").hasMessageContaining("not bound");
        assertThatThrownBy(() -> codec.decode(bytes, registry.faultOf(Address.class).javaType()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("fingerprint")
                .hasMessageContaining(Address.class.getName());
    }

    @Test
    void genericRecordsInsideRecordsAreBoundByTheirDeclaration() {
        Holder holder = new Holder(new Page<>(List.of(new Line(1, "a", BigDecimal.TEN)), new Line(2, "b", null)));

        assertThat(roundTrip(holder)).isEqualTo(holder);
    }

    @Test
    void otherConcreteTypesGoThroughJacksonForThatComponent() {
        Legacy legacy = new Legacy();
        legacy.name = "old";
        legacy.size = 3;

        assertThat(roundTrip(new WithLegacy("x", legacy))).isEqualTo(new WithLegacy("x", legacy));
        assertThat(roundTrip(new WithLegacy("x", null))).isEqualTo(new WithLegacy("x", null));
    }

    @Test
    void abstractComponentTypesFailWhenTheCodecIsBuiltNamingTheComponent() {
        assertThatThrownBy(() -> codec.encode(new WithInterface("x", "text")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(WithInterface.class.getName() + ".text")
                .hasMessageContaining("java.lang.CharSequence");
    }

    @Test
    void onlyRecordsAreWrittenOrBound() {
        assertThatThrownBy(() -> codec.encode("text")).isInstanceOf(SerializationException.class)
                .hasMessageContaining("java.lang.String is not a record");
        assertThatThrownBy(() -> codec.decode(new byte[0], Runnable.class)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("not a record");
    }

    @Test
    void aValueTheConstructorRejectsFailsWithItsReason() {
        byte[] bytes = codec.encode(new Line(-1, null, null));
        byte[] quantity = Arrays.copyOf(bytes, 1);

        assertThatThrownBy(() -> codec.decode(quantity, Checked.class)).isInstanceOf(SerializationException.class)
                .hasMessageContaining(Checked.class.getName() + " rejected the values read")
                .hasMessageContaining("quantity must not be negative");
    }

    @Test
    void fingerprintFollowsTheComponentsNotTheClassName() {
        record A(String x, int y) {
        }
        record B(String x, int y) {
        }
        record Renamed(String z, int y) {
        }
        record Retyped(String x, long y) {
        }
        record Reordered(int y, String x) {
        }
        record Appended(String x, int y, String more) {
        }

        long a = codec.fingerprint(A.class);
        assertThat(codec.fingerprint(B.class)).isEqualTo(a);
        for (Class<?> other : List.of(Renamed.class, Retyped.class, Reordered.class, Appended.class)) {
            assertThat(codec.fingerprint(other)).as(other.getSimpleName()).isNotEqualTo(a);
        }
    }

    @Test
    void enumFingerprintFollowsItsConstants() {
        enum Two { RED, GREEN }
        enum Swapped { GREEN, RED }
        record P(Colour c) {
        }
        record Q(Two c) {
        }
        record S(Swapped c) {
        }

        assertThat(codec.fingerprint(P.class)).isNotEqualTo(codec.fingerprint(Q.class));
        assertThat(codec.fingerprint(Q.class)).isNotEqualTo(codec.fingerprint(S.class));
    }
}
