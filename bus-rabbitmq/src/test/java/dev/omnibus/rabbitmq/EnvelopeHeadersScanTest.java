package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The scan that lets a publish skip parsing the envelope when it has no headers to copy. */
class EnvelopeHeadersScanTest {
    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void emptyOrMissingHeadersNeedNoParse() {
        for (String body : new String[] {"{\"message\":{\"n\":1},\"headers\":{}}", "{\"message\":{}}",
                "{\"Headers\" : { } ,\"host\":{}}", "{\"message\":\"headers\",\"headers\":null}"}) {
            assertThat(EnvelopeHeaders.noHeaders(json(body))).as(body).isTrue();
            assertThat(EnvelopeHeaders.parse(json(body))).as(body).isEmpty();
        }
    }

    @Test
    void anyNonEmptyHeadersObjectOrEscapeIsParsed() {
        for (String body : new String[] {"{\"headers\":{\"a\":1}}", "{\"HEADERS\"\n:\t{ \"a\":\"b\"}}",
                "{\"message\":{\"headers\":{\"x\":1}},\"headers\":{}}", "{\"message\":\"a\\\"b\",\"headers\":{}}",
                "{\"head\\u0065rs\":{\"a\":1}}"}) {
            assertThat(EnvelopeHeaders.noHeaders(json(body))).as(body).isFalse();
        }
        assertThat(EnvelopeHeaders.read(json("{\"HEADERS\"\n:\t{ \"a\":\"b\"}}"))).containsEntry("a", "b");
        assertThat(EnvelopeHeaders.read(json("{\"head\\u0065rs\":{\"a\":1}}"))).containsEntry("a", 1);
    }
}
