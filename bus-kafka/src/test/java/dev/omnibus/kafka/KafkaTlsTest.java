package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.TransportException;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.ChildJvm;
import dev.omnibus.testing.RunIds;
import dev.omnibus.testing.tls.TestCertificates;
import dev.omnibus.testing.tls.TestCertificates.Validity;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mutual TLS on Kafka for real: a KRaft broker of its own, in a child JVM (the test kit's
 * in-JVM broker offers only plain-text listeners), whose only client listener is SSL and demands a
 * client certificate ({@code ssl.client.auth=required}), with certificates made in the test
 * ({@link TestCertificates}). The transport passes Kafka's own {@code ssl.*} properties through;
 * a trust store for another authority, or no client certificate, fails {@code start()} with an
 * error that says which.
 */
class KafkaTlsTest {
    @TempDir
    static Path dir;
    private static TestCertificates ca;
    private static Path client;
    private static ChildJvm broker;
    private static String servers;
    private static final String PASSWORD = new String(TestCertificates.PASSWORD);

    record Ping(String text) {
    }

    @BeforeAll
    static void sslBroker() throws Exception {
        ca = TestCertificates.authority(dir, "kafka-ca");
        Path keys = ca.issue("kafka-broker", Validity.VALID, "dns:localhost", "ip:127.0.0.1");
        client = ca.issue("kafka-app", Validity.VALID);
        int port = freePort();
        int controller = freePort();
        servers = "127.0.0.1:" + port;
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=SSL://127.0.0.1:" + port,
                "inter.broker.listener.name=SSL",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=SSL:SSL,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + keys,
                "ssl.keystore.password=" + PASSWORD,
                "ssl.key.password=" + PASSWORD,
                "ssl.truststore.type=PKCS12",
                "ssl.truststore.location=" + ca.trustStore(),
                "ssl.truststore.password=" + PASSWORD,
                "ssl.client.auth=required", ""));
        try (ChildJvm format = ChildJvm.start("kafka.tools.StorageTool", List.of(), dir.resolve("format.log"), "format", "-t",
                Uuid.randomUuid().toString(), "-c", props.toString())) {
            int exit = format.awaitExit(Duration.ofSeconds(120));
            if (exit != 0) {
                throw new IllegalStateException("formatting the TLS broker's storage failed (" + exit + "): " + format.tail());
            }
        }
        broker = ChildJvm.start("kafka.Kafka", List.of("-Xmx384m"), dir.resolve("broker.log"), props.toString());
        Await.atMost(Duration.ofSeconds(90)).until("the TLS broker answers a client with a certificate", KafkaTlsTest::answers);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Map<String, Object> ssl(Path keyStore, Path trustStore) {
        Map<String, Object> m = new java.util.HashMap<>(Map.of("security.protocol", "SSL",
                "ssl.truststore.type", "PKCS12", "ssl.truststore.location", trustStore.toString(),
                "ssl.truststore.password", PASSWORD));
        if (keyStore != null) {
            m.putAll(Map.of("ssl.keystore.type", "PKCS12", "ssl.keystore.location", keyStore.toString(),
                    "ssl.keystore.password", PASSWORD, "ssl.key.password", PASSWORD));
        }
        return m;
    }

    private static boolean answers() {
        broker.checkAlive();
        Map<String, Object> conf = ssl(client, ca.trustStore());
        conf.put("bootstrap.servers", servers);
        conf.put("default.api.timeout.ms", 5000);
        conf.put("request.timeout.ms", 3000);
        try (Admin admin = Admin.create(conf)) {
            admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static KafkaTransportBuilder transport(Path keyStore, Path trustStore) {
        KafkaTransportBuilder b = KafkaTransport.builder().bootstrapServers(servers).topicPrefix("tls-" + RunIds.next() + ".")
                .partitions(1).startFrom(KafkaTransportBuilder.StartFrom.EARLIEST);
        ssl(keyStore, trustStore).forEach((k, v) -> b.property(k, v.toString()));
        return b;
    }

    @Test
    void mutualTlsCarriesMessagesBothWays() {
        Queue<String> got = new ConcurrentLinkedQueue<>();
        try (Bus bus = Bus.builder().name("kafka-tls").transport(transport(client, ca.trustStore()).build())
                .receiveEndpoint("pings", e -> e.consumer(Ping.class, ctx -> got.add(ctx.message().text())))
                .start()) {
            bus.send(Address.queue("pings"), new Ping("over tls")).join();
            Await.atMost(Duration.ofSeconds(60)).until("the message comes back over mutual TLS", () -> got.contains("over tls"));
        }
    }

    @Test
    void aBrokerCertificateFromAnUntrustedAuthorityFailsStartSayingSo() {
        TestCertificates other = TestCertificates.authority(dir, "kafka-stranger");
        assertThatThrownBy(() -> Bus.builder().name("kafka-untrusted").transport(transport(client, other.trustStore()).build())
                .receiveEndpoint("pings", e -> e.consumer(Ping.class, ctx -> { })).start())
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("not trusted");
    }

    @Test
    void withoutAClientCertificateStartFailsSayingTheBrokerRefusedIt() {
        assertThatThrownBy(() -> Bus.builder().name("kafka-nocert").transport(transport(null, ca.trustStore()).build())
                .receiveEndpoint("pings", e -> e.consumer(Ping.class, ctx -> { })).start())
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("TLS")
                .hasMessageContaining("client certificate");
    }
}
