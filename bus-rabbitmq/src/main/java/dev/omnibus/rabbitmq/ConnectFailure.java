package dev.omnibus.rabbitmq;

import dev.omnibus.spi.TlsFailures;

/**
 * Says why connecting to the broker failed in the user's terms: for TLS, which of the usual mistakes
 * it is (the broker's certificate not trusted, expired, for another host; the broker refusing the
 * client's certificate or its absence), followed by the underlying reason. Never shows credentials
 * (the JSSE and client messages it quotes hold none).
 */
final class ConnectFailure {
    private ConnectFailure() {
    }

    static String describe(Throwable e, RabbitMqSettings settings) {
        String raw = chain(e);
        if (!settings.tls()) {
            return raw;
        }
        String hint = TlsFailures.explain(e); // the same words on every transport
        if (hint == null) {
            hint = TlsFailures.closedDuringSetUp(e);
        }
        return hint == null ? raw : hint + ": " + raw;
    }

    /** The messages of the cause chain, outermost first, each once. */
    private static String chain(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (b.indexOf(m) < 0) {
                b.append(b.length() == 0 ? "" : " / ").append(m);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return b.toString();
    }
}
