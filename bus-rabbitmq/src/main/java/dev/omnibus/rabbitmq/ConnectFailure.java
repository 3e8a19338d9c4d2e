package dev.omnibus.rabbitmq;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import javax.net.ssl.SSLException;

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
        String lower = raw.toLowerCase(Locale.ROOT);
        String hint = null;
        if (has(e, CertificateExpiredException.class) || has(e, CertificateNotYetValidException.class)
                || expired(e) || lower.contains("validity check failed")) {
            hint = "TLS: the broker's certificate has expired or is not yet valid (check its validity dates and the clocks)";
        } else if (lower.contains("no subject alternative") || lower.contains("no name matching")) {
            hint = "TLS: the broker's certificate is not for host '" + settings.host() + "' (host name verification: "
                    + "connect with a name the certificate carries, or fix the certificate)";
        } else if (lower.contains("pkix path building failed") || lower.contains("unable to find valid certification path")) {
            hint = "TLS: the broker's certificate is not trusted by the trust store (signed by another CA? set trustStore "
                    + "to the CA that signed it)";
        } else if (has(e, SSLException.class) || lower.contains("connection reset") || lower.contains("certificate_required")
                || lower.contains("bad_certificate") || lower.contains("broken pipe")) {
            hint = "TLS: the broker ended the handshake; it may require a client certificate (mutual TLS: set keyStore) "
                    + "or not accept the one given (not signed by a CA it trusts)";
        }
        return hint == null ? raw : hint + ": " + raw;
    }

    private static boolean expired(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertPathValidatorException v && (v.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                    || v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
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
