/**
 * TLS for tests: certificates made with the JDK's {@code keytool} ({@link dev.omnibus.testing.tls.TestCertificates})
 * and a TLS front on loopback for a plain-text broker ({@link dev.omnibus.testing.tls.TlsTerminator}), so TLS and
 * mutual TLS are tried against a real broker without reconfiguring it.
 */
package dev.omnibus.testing.tls;
