package dev.omnibus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Headers;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.OutgoingMessage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** What the codecs and the receive pipeline check or clean before a value from the wire is used or logged. */
class InputLimitsTest {
    @Test
    void forLogEscapesWhatCouldForgeALogLineAndKeepsTheRest() {
        assertThat(InputLimits.forLog("abc-123")).isEqualTo("abc-123");
        assertThat(InputLimits.forLog("id\r\n2026-11-28 INFO forged line")).isEqualTo("id\\r\\n2026-11-28 INFO forged line");
        assertThat(InputLimits.forLog("a\tb\u0000c\u001bd\u007fe\u2028f")).isEqualTo("a\\tb\\u0000c\\u001bd\\u007fe\\u2028f");
        assertThat(InputLimits.forLog(null)).isEqualTo("null");
    }

    @Test
    void forLogCutsLongValuesAndSaysHowLongTheyWere() {
        String longValue = "x".repeat(InputLimits.MAX_LOGGED_CHARS) + "\nhidden";
        assertThat(InputLimits.forLog(longValue))
                .isEqualTo("x".repeat(InputLimits.MAX_LOGGED_CHARS) + "…(" + longValue.length() + " chars)")
                .doesNotContain("\n");
        String exact = "y".repeat(InputLimits.MAX_LOGGED_CHARS);
        assertThat(InputLimits.forLog(exact)).isEqualTo(exact);
    }

    @Test
    void decimalScalesWithinAThousandEitherWayAreAllowed() {
        assertThat(InputLimits.decimalScaleAllowed(1_000)).isTrue();
        assertThat(InputLimits.decimalScaleAllowed(-1_000)).isTrue();
        assertThat(InputLimits.decimalScaleAllowed(1_001)).isFalse();
        assertThat(InputLimits.decimalScaleAllowed(-1_001)).isFalse();
        assertThat(InputLimits.decimalScaleAllowed(Integer.MIN_VALUE)).isFalse();
    }

    @Test
    void aMessageIdTakenFromATransportHeaderIsLoggedClean() {
        Delivery d = new Delivery() {
            @Override
            public byte[] body() {
                return new byte[0];
            }

            @Override
            public Headers headers() {
                return Headers.of(OutgoingMessage.MESSAGE_ID, "m-1\r\nWARN forged");
            }

            @Override
            public String queue() {
                return "q";
            }

            @Override
            public CompletionStage<Void> ack() {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletionStage<Void> requeue() {
                return ack();
            }

            @Override
            public CompletionStage<Void> requeue(java.time.Duration delay) {
                return ack();
            }

            @Override
            public CompletionStage<Void> deadLetter(DeadLetterQueue target, Headers extraHeaders) {
                return ack();
            }
        };
        assertThat(new ReceiveContext(null, d, 1).logId()).isEqualTo("m-1\\r\\nWARN forged");
    }
}
