package dev.omnibus.spi;

import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertPathValidatorException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Says in words what a failed TLS connection means, for a transport's connection error: the JDK's
 * exceptions ("PKIX path building failed", "bad_certificate") name the mechanism, not the fix. Used
 * by the transports when a connection fails; returns null when {@code failure} is not about TLS.
 */
public final class TlsFailures {
    private TlsFailures() {
    }

    /**
     * A sentence naming what is wrong and what to check, or null when no TLS failure is in
     * {@code failure}'s causes.
     */
    public static String explain(Throwable failure) {
        SSLException ssl = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException) {
                return "TLS: the server's certificate has expired (" + t.getMessage() + "); renew it";
            }
            if (t instanceof CertificateNotYetValidException) {
                return "TLS: the server's certificate is not valid yet (" + t.getMessage() + "); check its dates and the clocks";
            }
            if (t instanceof CertPathValidatorException v && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                return "TLS: the server's certificate (or a certificate of its chain) has expired; renew it";
            }
            if (t instanceof CertPathValidatorException v && v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                return "TLS: the server's certificate (or a certificate of its chain) is not valid yet; check its dates and the clocks";
            }
            if (ssl == null && t instanceof SSLException s) {
                ssl = s;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        if (ssl == null) {
            return null;
        }
        String all = messages(failure);
        if (all.contains("No subject alternative") || all.contains("No name matching") || all.contains("hostname")) {
            return "TLS: the server's certificate is not for the host name connected to (" + firstMessage(ssl)
                    + "); connect with a name the certificate lists, or fix its subject alternative names";
        }
        if (all.contains("PKIX path") || all.contains("unable to find valid certification path")) {
            return "TLS: the server's certificate is not trusted: no certificate in the trust store signed it ("
                    + firstMessage(ssl) + "); add the authority that signed it to the trust store";
        }
        if (all.contains("bad_certificate") || all.contains("certificate_required") || all.contains("certificate_unknown")
                || all.contains("handshake_failure") && ssl instanceof SSLHandshakeException) {
            return "TLS: the server refused the handshake (" + firstMessage(ssl) + "); it demands a client certificate "
                    + "that it trusts and that is still valid: check the key store given for mutual TLS";
        }
        if (all.contains("expired")) {
            return "TLS: a certificate has expired (" + firstMessage(ssl) + ")";
        }
        return "TLS: the handshake failed (" + firstMessage(ssl) + "); check the trust store, and for mutual TLS the "
                + "client certificate in the key store";
    }

    /**
     * For a connection over TLS that the server closed while it was being set up (a reset, a broken
     * pipe, an end of stream): with TLS 1.3 a server that refuses the client's certificate says so only
     * after the client thinks the handshake is done, so the client sees a closed connection instead of
     * an alert. Null when {@code failure} is not a closed connection.
     */
    public static String closedDuringSetUp(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketException || t instanceof java.io.EOFException) {
                return "TLS: the server closed the connection during set-up (" + firstMessage(t) + "); with mutual TLS "
                        + "this is how a server refuses a client certificate it does not trust, or one that has expired "
                        + "or is missing: check the key store given for mutual TLS and that the server trusts its authority";
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static String messages(Throwable failure) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = failure; t != null && b.length() < 4096; t = t.getCause()) {
            b.append(t).append('\n');
            if (t.getCause() == t) {
                break;
            }
        }
        return b.toString();
    }

    private static String firstMessage(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }
}
