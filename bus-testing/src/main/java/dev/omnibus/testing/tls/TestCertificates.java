package dev.omnibus.testing.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates made for a test, with the JDK's own {@code keytool} (no library): a certificate
 * authority, and key stores signed by it for a server or a client, valid, expired, or for another
 * host name. Every store is PKCS#12 with the password {@link #PASSWORD}, in a directory of the
 * caller's (a JUnit {@code @TempDir}).
 *
 * <pre>{@code
 * TestCertificates ca = TestCertificates.authority(dir, "test-ca");
 * Path server = ca.issue("server", Validity.VALID, "dns:localhost", "ip:127.0.0.1");
 * Path client = ca.issue("client", Validity.VALID);
 * SSLContext ctx = TestCertificates.context(client, ca.trustStore());
 * }</pre>
 */
public final class TestCertificates {
    /** The password of every store made here. */
    public static final char[] PASSWORD = "omnibus-test".toCharArray();

    /** When a certificate is valid. */
    public enum Validity {
        /** From yesterday for two days. */
        VALID,
        /** Expired yesterday (valid for one day from three days ago). */
        EXPIRED
    }

    private final Path dir;
    private final String alias;
    private final Path store;
    private final Path trust;

    private TestCertificates(Path dir, String alias) {
        this.dir = dir;
        this.alias = alias;
        this.store = dir.resolve(alias + ".p12");
        this.trust = dir.resolve(alias + "-trust.p12");
    }

    /** A new certificate authority named {@code name} (its key in {@code <name>.p12}, its certificate alone in {@code <name>-trust.p12}). */
    public static TestCertificates authority(Path dir, String name) {
        TestCertificates ca = new TestCertificates(dir, name);
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "bc:c", "-startdate", "-1d", "-validity", "30", "-keystore", ca.store.toString());
        Path pem = dir.resolve(name + ".pem");
        keytool("-exportcert", "-rfc", "-alias", name, "-keystore", ca.store.toString(), "-file", pem.toString());
        keytool("-importcert", "-noprompt", "-alias", name, "-file", pem.toString(), "-keystore", ca.trust.toString());
        return ca;
    }

    /** A trust store holding only this authority's certificate. */
    public Path trustStore() {
        return trust;
    }

    /**
     * A key store {@code <name>.p12} with a new key and its certificate chain signed by this authority.
     *
     * @param sans subject alternative names in keytool's form ({@code dns:localhost}, {@code ip:127.0.0.1}); none for a client
     */
    public Path issue(String name, Validity validity, String... sans) {
        Path ks = dir.resolve(name + ".p12");
        Path csr = dir.resolve(name + ".csr");
        Path signed = dir.resolve(name + ".pem");
        Path caPem = dir.resolve(alias + ".pem");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-keystore", ks.toString());
        keytool("-certreq", "-alias", name, "-keystore", ks.toString(), "-file", csr.toString());
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", alias, "-keystore", store.toString(),
                "-infile", csr.toString(), "-outfile", signed.toString()));
        if (validity == Validity.EXPIRED) {
            gencert.addAll(List.of("-startdate", "-3d", "-validity", "1"));
        } else {
            gencert.addAll(List.of("-startdate", "-1d", "-validity", "2"));
        }
        if (sans.length > 0) {
            gencert.addAll(List.of("-ext", "san=" + String.join(",", sans)));
        }
        keytool(gencert.toArray(String[]::new));
        keytool("-importcert", "-noprompt", "-alias", alias, "-file", caPem.toString(), "-keystore", ks.toString());
        keytool("-importcert", "-alias", name, "-file", signed.toString(), "-keystore", ks.toString());
        return ks;
    }

    /** An SSL context from a key store (null: no client certificate) and a trust store (null: the JVM's). */
    public static SSLContext context(Path keyStore, Path trustStore) {
        try {
            KeyManagerFactory kmf = null;
            if (keyStore != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(keyStore), PASSWORD);
            }
            TrustManagerFactory tmf = null;
            if (trustStore != null) {
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(load(trustStore));
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build an SSL context from " + keyStore + " and " + trustStore + ": " + e, e);
        }
    }

    private static KeyStore load(Path p) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p)) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    private static void keytool(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", new String(PASSWORD)));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running keytool", e);
        }
    }
}
