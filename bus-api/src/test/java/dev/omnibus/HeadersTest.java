package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Headers}' contract: insertion order, null values dropped, immutability, and equality and hash
 * codes as a map's (so any two instances with the same entries are equal, whatever their order).
 */
class HeadersTest {

    @Test
    void keepsInsertionOrderAndReplacesInPlace() {
        Headers h = Headers.of("c", 1).with("a", 2).with("b", 3).with("a", 4);

        assertThat(List.copyOf(h.names())).containsExactly("c", "a", "b");
        assertThat(h.get("a")).isEqualTo(4);
        assertThat(h.size()).isEqualTo(3);
        assertThat(h.asMap()).containsExactly(Map.entry("c", 1), Map.entry("a", 4), Map.entry("b", 3));
        assertThat(h).hasToString("Headers{c=1, a=4, b=3}");
    }

    @Test
    void nullValuesAreDroppedAndRemoveAnEntry() {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("x", null);
        in.put("y", "1");
        in.put(null, "no name");
        in.put("z", "2");
        Headers h = Headers.of(in);

        assertThat(List.copyOf(h.names())).containsExactly("y", "z");
        assertThat(h.with("y", null).names()).containsExactly("z");
        assertThat(h.with("y", null).with("z", null)).isSameAs(Headers.empty());
        assertThat(h.with("absent", null)).isEqualTo(h);
        assertThat(Headers.of(Map.of())).isSameAs(Headers.empty());
        assertThat(h.get("x")).isNull();
        assertThat(h.contains("x")).isFalse();
        assertThat(h.contains("y")).isTrue();
        assertThat(h.getString("z")).contains("2");
        assertThat(h.getString("x")).isEmpty();
    }

    @Test
    void withAllAddsAndReplacesKeepingTheFirstOrder() {
        Headers a = Headers.of("a", 1).with("b", 2).with("c", 3);
        Headers b = Headers.of("d", 4).with("b", 20);

        Headers all = a.withAll(b);

        assertThat(all.asMap()).containsExactly(Map.entry("a", 1), Map.entry("b", 20), Map.entry("c", 3), Map.entry("d", 4));
        assertThat(a.withAll(Headers.empty())).isSameAs(a);
        assertThat(Headers.empty().withAll(b)).isSameAs(b);
    }

    @Test
    void copiesNeverChangeTheOriginalNorTheMapTheyCameFrom() {
        Map<String, Object> source = new LinkedHashMap<>(Map.of("a", "1"));
        Headers h = Headers.of(source);
        source.put("b", "2");
        Headers replaced = h.with("a", "x");
        Headers added = h.with("c", "3");
        Headers merged = h.withAll(Headers.of("a", "y"));

        assertThat(h.asMap()).containsExactly(Map.entry("a", "1"));
        assertThat(replaced.get("a")).isEqualTo("x");
        assertThat(added.names()).containsExactly("a", "c");
        assertThat(merged.get("a")).isEqualTo("y");
        assertThatThrownBy(() -> h.asMap().put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> h.asMap().remove("absent")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> h.names().remove("a")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> h.asMap().entrySet().iterator().next().setValue("z"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(h.get("a")).isEqualTo("1");
    }

    @Test
    void equalAndSameHashWhateverTheOrderAndAsAMap() {
        Headers ab = Headers.of("a", 1).with("b", "two");
        Headers ba = Headers.of("b", "two").with("a", 1);
        Map<String, Object> map = new HashMap<>(Map.of("a", 1, "b", "two"));

        assertThat(ab).isEqualTo(ba);
        assertThat(ba).isEqualTo(ab);
        assertThat(ab.hashCode()).isEqualTo(ba.hashCode()).isEqualTo(map.hashCode());
        assertThat(ab.asMap()).isEqualTo(map);
        assertThat(ab).isNotEqualTo(ab.with("b", "2"));
        assertThat(ab).isNotEqualTo(ab.with("c", 3));
        assertThat(ab.with("c", 3)).isNotEqualTo(ab);
        assertThat(Headers.of(map)).isEqualTo(ab);
        assertThat(Headers.empty()).isEqualTo(Headers.of("a", 1).with("a", null));
    }

    @Test
    void manyEntriesBehaveAsFew() {
        Headers h = Headers.empty();
        Map<String, Object> expected = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
            h = h.with("h" + i, i);
            expected.put("h" + i, i);
        }
        h = h.with("h50", null).withAll(Headers.of("h7", "seven").with("extra", true));
        expected.remove("h50");
        expected.put("h7", "seven");
        expected.put("extra", true);

        assertThat(h.asMap()).containsExactlyEntriesOf(expected);
        assertThat(h).isEqualTo(Headers.of(expected));
        assertThat(h.hashCode()).isEqualTo(expected.hashCode());
        assertThat(h.get("h99")).isEqualTo(99);
        assertThat(h.get("h50")).isNull();
    }
}
