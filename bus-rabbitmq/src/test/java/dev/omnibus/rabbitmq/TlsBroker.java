package dev.omnibus.rabbitmq;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Key;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made for one test class with the JDK's {@code keytool} (a test CA, server certificates
 * signed by it: good, expired, for another host; a client certificate; trust stores for the test CA
 * and for an unrelated CA), and TLS listeners on the local broker, started at run time on free ports
 * with {@code rabbitmqctl eval 'rabbit_networking:start_ssl_listener(…)'} (no restart, nothing else on
 * the broker changes) and stopped by {@link #close}. Every listener demands a client certificate
 * signed by the test CA ({@code verify_peer}, {@code fail_if_no_peer_cert}).
 */
final class TlsBroker implements AutoCloseable {
    static final char[] PASSWORD = "changeit".toCharArray();
    private final Path dir;
    private final List<Integer> ports = new ArrayList<>();

    TlsBroker() throws Exception {
        dir = Files.createTempDirectory("omnibus-tls-");
        // the broker runs as its own user and must read the server's files
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        ca("ca", "CN=omnibus-test-ca");
        ca("otherca", "CN=omnibus-other-ca");
        signed("server", "CN=localhost", "san=ip:127.0.0.1,dns:localhost", null);
        signed("expired", "CN=localhost", "san=ip:127.0.0.1,dns:localhost", "-3d");
        signed("wronghost", "CN=wrong.example", "san=dns:wrong.example", null);
        signed("client", "CN=omnibus-test-client", null, null);
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", file("ca.pem"), "-keystore", file("trust.p12"),
                "-storetype", "PKCS12", "-storepass", "changeit");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", file("otherca.pem"), "-keystore", file("othertrust.p12"),
                "-storetype", "PKCS12", "-storepass", "changeit");
        for (String f : new String[] {"ca.pem", "server.pem", "server.key", "expired.pem", "expired.key", "wronghost.pem",
                "wronghost.key"}) {
            Files.setPosixFilePermissions(dir.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    Path path(String name) {
        return dir.resolve(name);
    }

    /** Starts a TLS listener serving {@code server}'s certificate ("server", "expired", "wronghost"); its port. */
    int listen(String server) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String opts = "[{certfile, \"" + file(server + ".pem") + "\"}, {keyfile, \"" + file(server + ".key") + "\"}, "
                + "{cacertfile, \"" + file("ca.pem") + "\"}, {verify, verify_peer}, {fail_if_no_peer_cert, true}]";
        RabbitCtl.must(Duration.ofSeconds(30), "-q", "eval",
                "rabbit_networking:start_ssl_listener({\"127.0.0.1\", " + port + "}, " + opts + ", 1).");
        ports.add(port);
        return port;
    }

    @Override
    public void close() throws IOException {
        for (int port : ports) {
            RabbitCtl.run(Duration.ofSeconds(30), "-q", "eval", "rabbit_networking:stop_tcp_listener({\"127.0.0.1\", " + port + "}).");
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void ca(String name, String dname) throws Exception {
        keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-dname", dname, "-ext", "bc:c",
                "-validity", "3", "-keystore", file(name + ".p12"), "-storetype", "PKCS12", "-storepass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", name, "-keystore", file(name + ".p12"), "-storepass", "changeit",
                "-file", file(name + ".pem"));
    }

    /** A key pair in {@code name.p12}, its certificate signed by the test CA in {@code name.pem}, its key in {@code name.key}. */
    private void signed(String name, String dname, String san, String startDate) throws Exception {
        String store = file(name + ".p12");
        keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-dname", dname, "-validity", "3",
                "-keystore", store, "-storetype", "PKCS12", "-storepass", "changeit");
        keytool("-certreq", "-alias", name, "-keystore", store, "-storepass", "changeit", "-file", file(name + ".csr"));
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", file("ca.p12"),
                "-storepass", "changeit", "-infile", file(name + ".csr"), "-outfile", file(name + ".pem")));
        if (san != null) {
            gencert.addAll(List.of("-ext", san));
        }
        if (startDate != null) {
            gencert.addAll(List.of("-startdate", startDate, "-validity", "1"));
        } else {
            gencert.addAll(List.of("-validity", "3"));
        }
        keytool(gencert.toArray(String[]::new));
        // the signed chain back into the store (the CA first), so it serves as a client key store
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", file("ca.pem"), "-keystore", store, "-storepass", "changeit");
        keytool("-importcert", "-alias", name, "-file", file(name + ".pem"), "-keystore", store, "-storepass", "changeit");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
            ks.load(in, PASSWORD);
        }
        Key key = ks.getKey(name, PASSWORD);
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        Files.writeString(dir.resolve(name + ".key"), pem);
    }

    private String file(String name) {
        return dir.resolve(name).toString();
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }
}
