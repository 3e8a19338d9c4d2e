package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.TransportException;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS and mutual TLS against the real broker: certificates made in the test ({@link TlsBroker}), TLS
 * listeners that demand a client certificate started on the local broker for this class only. A bus
 * with the right trust and key stores sends and consumes through TLS; each mistake a user makes (no
 * client certificate, a trust store for another CA, an expired broker certificate, a broker
 * certificate for another host) fails the bus's start with an error that says which.
 */
class RabbitMqTlsTest {
    private static TlsBroker tls;
    private static int good;
    private static int expired;
    private static int wrongHost;

    record Ping(UUID id) {
    }

    @BeforeAll
    static void listeners() throws Exception {
        RabbitCtl.requireLocalControl();
        tls = new TlsBroker();
        good = tls.listen("server");
        expired = tls.listen("expired");
        wrongHost = tls.listen("wronghost");
    }

    @AfterAll
    static void stopListeners() throws Exception {
        if (tls != null) {
            tls.close();
        }
    }

    private static RabbitMqTransportBuilder builder(int port) {
        return RabbitMqTransport.builder().host("127.0.0.1").port(port).connectionTimeout(Duration.ofSeconds(10));
    }

    @Test
    void mutualTlsCarriesMessages() {
        String run = RunIds.next();
        String queue = "tls-" + run;
        AtomicInteger consumed = new AtomicInteger();
        RabbitMqTransport transport = builder(good).trustStore(tls.path("trust.p12"), TlsBroker.PASSWORD)
                .keyStore(tls.path("client.p12"), TlsBroker.PASSWORD).build();
        assertThat(transport.endpoint()).startsWith("amqps://127.0.0.1:" + good);
        try (Bus bus = Bus.builder().transport(transport).name("tls-" + run)
                .receiveEndpoint(queue, e -> e.consumer(Ping.class, c -> consumed.incrementAndGet()))
                .start()) {
            for (int i = 0; i < 10; i++) {
                bus.send(Address.queue(queue), new Ping(UUID.randomUUID())).join();
            }
            Await.atMost(Duration.ofSeconds(20)).until("10 messages consumed over TLS", () -> consumed.get() == 10);
        }
    }

    @Test
    void withoutAClientCertificateTheBrokerRefusesAndTheErrorSaysSo() {
        assertStartFails(builder(good).trustStore(tls.path("trust.p12"), TlsBroker.PASSWORD), "client certificate");
    }

    @Test
    void aTrustStoreForAnotherCaFailsNamingTheTrust() {
        assertStartFails(builder(good).trustStore(tls.path("othertrust.p12"), TlsBroker.PASSWORD)
                .keyStore(tls.path("client.p12"), TlsBroker.PASSWORD), "not trusted");
    }

    @Test
    void anExpiredBrokerCertificateFailsSayingItExpired() {
        assertStartFails(builder(expired).trustStore(tls.path("trust.p12"), TlsBroker.PASSWORD)
                .keyStore(tls.path("client.p12"), TlsBroker.PASSWORD), "expired");
    }

    @Test
    void aBrokerCertificateForAnotherHostFailsNamingTheHost() {
        assertStartFails(builder(wrongHost).trustStore(tls.path("trust.p12"), TlsBroker.PASSWORD)
                .keyStore(tls.path("client.p12"), TlsBroker.PASSWORD), "127.0.0.1", "host name");
    }

    private static void assertStartFails(RabbitMqTransportBuilder b, String... expected) {
        RabbitMqTransport transport = b.build();
        assertThatThrownBy(() -> Bus.builder().transport(transport).name("tls-bad-" + RunIds.next()).start().close())
                .isInstanceOf(TransportException.class)
                .satisfies(e -> System.out.println("[tls] " + e.getMessage()))
                .hasMessageContainingAll(expected)
                .hasMessageNotContaining("changeit");
    }
}
