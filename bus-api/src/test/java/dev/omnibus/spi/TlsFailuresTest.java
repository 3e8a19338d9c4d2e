package dev.omnibus.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * The words for each TLS failure, from the exception chains the JDK and clients produce (the real
 * handshakes are in RabbitMqTlsTest, KafkaTlsTest and SqsTlsTest; this pins the classification).
 */
class TlsFailuresTest {
    private static SSLHandshakeException handshake(String message, Throwable cause) {
        SSLHandshakeException e = new SSLHandshakeException(message);
        e.initCause(cause);
        return e;
    }

    @Test
    void notTlsAtAllIsNull() {
        assertThat(TlsFailures.explain(new IOException("connection refused"))).isNull();
        assertThat(TlsFailures.explain(null)).isNull();
        assertThat(TlsFailures.closedDuringSetUp(new IOException("no"))).isNull();
    }

    @Test
    void anUntrustedAuthority() {
        String s = TlsFailures.explain(new IOException("wrap", handshake("PKIX path building failed: "
                + "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path", null)));
        assertThat(s).startsWith("TLS: the server's certificate is not trusted").contains("add the authority");
    }

    @Test
    void expiredAndNotYetValid() {
        assertThat(TlsFailures.explain(new SSLException("x", new CertificateExpiredException("NotAfter: yesterday"))))
                .startsWith("TLS: the server's certificate has expired").contains("NotAfter: yesterday");
        assertThat(TlsFailures.explain(new SSLException("x", new CertificateNotYetValidException("NotBefore: tomorrow"))))
                .startsWith("TLS: the server's certificate is not valid yet");
        assertThat(TlsFailures.explain(handshake("PKIX path validation failed", new CertPathValidatorException("validity check failed",
                null, null, -1, CertPathValidatorException.BasicReason.EXPIRED)))).contains("has expired");
        assertThat(TlsFailures.explain(handshake("PKIX path validation failed", new CertPathValidatorException("validity check failed",
                null, null, -1, CertPathValidatorException.BasicReason.NOT_YET_VALID)))).contains("not valid yet");
    }

    @Test
    void anotherHostName() {
        assertThat(TlsFailures.explain(handshake("No subject alternative names matching IP address 127.0.0.1 found", null)))
                .startsWith("TLS: the server's certificate is not for the host name").contains("127.0.0.1");
        assertThat(TlsFailures.explain(handshake("No name matching broker.example found", null))).contains("host name");
    }

    @Test
    void aClientCertificateRefused() {
        for (String alert : new String[] {"bad_certificate", "certificate_required", "certificate_unknown"}) {
            assertThat(TlsFailures.explain(new SSLException("Received fatal alert: " + alert)))
                    .as(alert).startsWith("TLS: the server refused the handshake").contains("client certificate");
        }
        assertThat(TlsFailures.explain(handshake("Received fatal alert: handshake_failure", null))).contains("client certificate");
    }

    @Test
    void anythingElseOverTlsStillSaysWhatToCheck() {
        assertThat(TlsFailures.explain(new SSLException("Unsupported or unrecognized SSL message")))
                .startsWith("TLS: the handshake failed (Unsupported or unrecognized SSL message)").contains("trust store");
        assertThat(TlsFailures.explain(new SSLException("Received fatal alert: protocol_version with cert expired")))
                .startsWith("TLS: a certificate has expired");
    }

    @Test
    void aConnectionClosedDuringSetUpPointsAtTheClientCertificate() {
        assertThat(TlsFailures.closedDuringSetUp(new IOException("x", new SocketException("Broken pipe"))))
                .contains("Broken pipe").contains("client certificate");
        assertThat(TlsFailures.closedDuringSetUp(new EOFException())).contains("EOFException");
    }
}
