package dev.omnibus.rabbitmq;

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
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mutual TLS against the real broker, through a TLS front on loopback ({@link TlsTerminator})
 * that demands a client certificate and forwards to the broker's plain port. Certificates are made in
 * the test: a CA, a server certificate for 127.0.0.1, a client certificate, an expired one, one for
 * another host, and a second CA nobody trusts. Each failure a user meets fails {@code start()} with an
 * error that says what is wrong.
 */
class RabbitMqTlsTest {
    record Ping(String text) {
    }

    @TempDir
    static Path dir;
    private static TestCertificates ca;
    private static TlsTerminator tls;
    private static Path client;
    private final Queue<AutoCloseable> open = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void certificatesAndFront() throws IOException {
        ca = TestCertificates.authority(dir, "omnibus-ca");
        Path server = ca.issue("broker", Validity.VALID, "dns:localhost", "ip:127.0.0.1");
        client = ca.issue("app", Validity.VALID);
        URI broker = URI.create(RabbitFixture.uri());
        tls = TlsTerminator.start(TestCertificates.context(server, ca.trustStore()), true,
                new InetSocketAddress(broker.getHost(), broker.getPort() < 0 ? 5672 : broker.getPort()));
    }

    @AfterAll
    static void stopFront() {
        if (tls != null) {
            tls.close();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static RabbitMqTransportBuilder through(TlsTerminator front, SSLContext context) {
        URI broker = URI.create(RabbitFixture.uri());
        String[] user = broker.getUserInfo() == null ? new String[] {"guest", "guest"} : broker.getUserInfo().split(":", 2);
        return RabbitMqTransport.builder().host("127.0.0.1").port(front.port()).username(user[0]).password(user[1])
                .sslContext(context).recoveryInterval(Duration.ofMillis(200));
    }

    @Test
    void mutualTlsCarriesMessagesBothWays() {
        String queue = "tls-" + RunIds.next();
        Queue<String> got = new ConcurrentLinkedQueue<>();
        Bus bus = Bus.builder().name("tls").transport(through(tls, TestCertificates.context(client, ca.trustStore())).build())
                .receiveEndpoint(queue, e -> e.consumer(Ping.class, ctx -> got.add(ctx.message().text())))
                .start();
        open.add(bus); // BrokerCleanup removes the run's queues at the end
        bus.send(Address.queue(queue), new Ping("over tls")).join();
        Await.atMost(Duration.ofSeconds(20)).until("the message comes back over TLS", () -> got.contains("over tls"));
        assertThat(tls.accepted()).as("connections through the TLS front").isGreaterThanOrEqualTo(2);
    }

    @Test
    void withoutAClientCertificateTheBrokerSideRefusesAndStartSaysSo() {
        RabbitMqTransport t = through(tls, TestCertificates.context(null, ca.trustStore())).build();
        assertThatThrownBy(() -> Bus.builder().name("tls-nocert").transport(t).start())
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("TLS")
                .hasMessageContaining("client certificate");
        assertThat(tls.handshakeFailures()).as("what the broker side saw").anyMatch(f -> f.contains("certificate_required")
                || f.contains("Empty client certificate chain") || f.contains("bad_certificate"));
    }

    @Test
    void aBrokerCertificateFromAnUntrustedAuthorityIsRefused() {
        TestCertificates other = TestCertificates.authority(dir, "stranger-ca");
        RabbitMqTransport t = through(tls, TestCertificates.context(client, other.trustStore())).build();
        assertThatThrownBy(() -> Bus.builder().name("tls-untrusted").transport(t).start())
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("not trusted");
    }

    @Test
    void anExpiredBrokerCertificateIsRefused() throws IOException {
        Path expired = ca.issue("expired-broker", Validity.EXPIRED, "dns:localhost", "ip:127.0.0.1");
        try (TlsTerminator front = TlsTerminator.start(TestCertificates.context(expired, ca.trustStore()), true,
                target())) {
            RabbitMqTransport t = through(front, TestCertificates.context(client, ca.trustStore())).build();
            assertThatThrownBy(() -> Bus.builder().name("tls-expired").transport(t).start())
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("expired");
        }
    }

    @Test
    void aBrokerCertificateForAnotherHostIsRefusedWithHostNameVerification() throws IOException {
        Path elsewhere = ca.issue("elsewhere", Validity.VALID, "dns:broker.elsewhere.example");
        try (TlsTerminator front = TlsTerminator.start(TestCertificates.context(elsewhere, ca.trustStore()), true,
                target())) {
            RabbitMqTransport t = through(front, TestCertificates.context(client, ca.trustStore())).build();
            assertThatThrownBy(() -> Bus.builder().name("tls-host").transport(t).start())
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("host name");
        }
    }

    @Test
    void anExpiredClientCertificateIsRefusedByTheBrokerSide() {
        Path old = ca.issue("old-app", Validity.EXPIRED);
        RabbitMqTransport t = through(tls, TestCertificates.context(old, ca.trustStore())).build();
        assertThatThrownBy(() -> Bus.builder().name("tls-oldcert").transport(t).start())
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("TLS")
                .hasMessageContaining("client certificate");
        assertThat(tls.handshakeFailures()).as("what the broker side saw").anyMatch(f -> f.contains("expired")
                || f.contains("validity") || f.contains("certificate_unknown") || f.contains("PKIX"));
    }

    private static InetSocketAddress target() {
        URI broker = URI.create(RabbitFixture.uri());
        return new InetSocketAddress(broker.getHost(), broker.getPort() < 0 ? 5672 : broker.getPort());
    }
}
