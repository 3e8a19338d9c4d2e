package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.TransportException;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import dev.omnibus.testing.tls.TestCertificates;
import dev.omnibus.testing.tls.TestCertificates.Validity;
import dev.omnibus.testing.tls.TlsTerminator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * HTTPS and mutual TLS to an SQS endpoint for real: ElasticMQ behind a TLS front on loopback
 * ({@link TlsTerminator}) that demands a client certificate, with certificates made in the test.
 * The transport's own client trusts only the JVM's authorities, so a private CA is refused at start
 * with an error that says so; an application passes its own client ({@code client(...)}) with its
 * trust and key managers.
 */
class SqsTlsTest {
    record Ping(String text) {
    }

    @TempDir
    static Path dir;
    private static TestCertificates ca;
    private static Path client;
    private static TlsTerminator tls;
    private final String prefix = "tl-" + RunIds.next() + "-";
    private Bus bus;
    private SqsAsyncClient sdk;

    @BeforeAll
    static void front() throws IOException {
        ca = TestCertificates.authority(dir, "sqs-ca");
        Path server = ca.issue("sqs-server", Validity.VALID, "dns:localhost", "ip:127.0.0.1");
        client = ca.issue("sqs-app", Validity.VALID);
        URI plain = SqsFixture.endpoint();
        tls = TlsTerminator.start(TestCertificates.context(server, ca.trustStore()), true,
                new InetSocketAddress(plain.getHost(), plain.getPort()));
    }

    @AfterAll
    static void stop() {
        if (tls != null) {
            tls.close();
        }
    }

    @AfterEach
    void cleanUp() {
        if (bus != null) {
            bus.close();
        }
        if (sdk != null) {
            sdk.close();
        }
        SqsFixture.deleteQueuesWithPrefix(prefix);
    }

    private static String https() {
        return "https://localhost:" + tls.port();
    }

    private static SqsAsyncClient clientWith(Path keyStore) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(ca.trustStore())) {
            trust.load(in, TestCertificates.PASSWORD);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(keyStore)) {
            keys.load(in, TestCertificates.PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, TestCertificates.PASSWORD);
        return SqsAsyncClient.builder().endpointOverride(URI.create(https())).region(Region.US_EAST_1)
                .credentialsProvider(AwsTestClients.CREDENTIALS)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .tlsTrustManagersProvider(tmf::getTrustManagers).tlsKeyManagersProvider(kmf::getKeyManagers))
                .build();
    }

    @Test
    void mutualTlsCarriesMessagesBothWays() throws Exception {
        sdk = clientWith(client);
        Queue<String> got = new ConcurrentLinkedQueue<>();
        bus = Bus.builder().name("sqs-tls").transport(SqsTransport.builder().withoutSns().client(sdk).queuePrefix(prefix)
                        .waitTimeSeconds(1).build())
                .receiveEndpoint("pings", e -> e.consumer(Ping.class, ctx -> got.add(ctx.message().text())))
                .start();
        int before = tls.accepted();
        bus.send(Address.queue("pings"), new Ping("over https")).join();
        Await.atMost(Duration.ofSeconds(30)).until("the message comes back over mutual TLS", () -> got.contains("over https"));
        assertThat(tls.accepted()).as("connections through the TLS front").isGreaterThanOrEqualTo(Math.max(1, before));
    }

    @Test
    void anEndpointSignedByAnAuthorityTheJvmDoesNotTrustFailsStartSayingSo() {
        SqsTransport t = SqsTransport.builder().withoutSns().endpoint(https()).region(AwsTestClients.REGION.id())
                .credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix).waitTimeSeconds(1).build();
        assertThatThrownBy(() -> bus = Bus.builder().name("sqs-untrusted").transport(t)
                .receiveEndpoint("pings", e -> e.consumer(Ping.class, ctx -> { })).start())
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("not trusted");
    }
}
