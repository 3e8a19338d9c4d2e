package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.ConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builder, URI parsing, TLS set-up and names: no broker needed. */
class RabbitMqConfigurationTest {
    @Test
    void uriSetsHostPortVhostAndCredentials() {
        RabbitMqTransport t = RabbitMqTransport.fromUri("amqp://app:s3cr%40t@rabbit.example:5673/shop");
        assertThat(t.endpoint()).isEqualTo("amqp://rabbit.example:5673/shop");
        assertThat(t.resolve(Address.queue("orders")).toString()).isEqualTo("rabbitmq://rabbit.example:5673/shop/orders");
    }

    @Test
    void defaultPortAndVhostAreLeftOutOfAddressesAsMassTransitWritesThem() {
        RabbitMqTransport t = RabbitMqTransport.fromUri("amqp://guest:guest@localhost/");
        assertThat(t.resolve(Address.queue("orders")).toString()).isEqualTo("rabbitmq://localhost/orders");
        assertThat(RabbitMqTransport.fromUri("amqp://localhost/%2F").endpoint()).isEqualTo("amqp://localhost:5672/");
    }

    @Test
    void amqpsTurnsOnTlsOnPort5671() {
        RabbitMqTransport t = RabbitMqTransport.fromUri("amqps://u:p@rabbit.example/");
        assertThat(t.endpoint()).isEqualTo("amqps://rabbit.example:5671/");
        assertThat(t.resolve(Address.queue("q")).toString()).isEqualTo("rabbitmqs://rabbit.example/q");
    }

    @Test
    void passwordIsInNoToStringAndNoErrorMessage() {
        String secret = "hunter2-very-secret";
        RabbitMqTransportBuilder b = RabbitMqTransport.builder().uri("amqp://app:" + secret + "@h/v");
        assertThat(b.toString()).doesNotContain(secret);
        assertThat(b.build().toString()).doesNotContain(secret).doesNotContain("app:");
        assertThatThrownBy(() -> RabbitMqTransport.fromUri("http://app:" + secret + "@h/v"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageNotContaining(secret)
                .hasMessageContaining("amqp://");
        assertThatThrownBy(() -> RabbitMqTransport.fromUri("amqp://app:" + secret + "@h/a/b"))
                .hasMessageNotContaining(secret);
        // malformed: a missing colon, a missing slash, a raw @ in the password, a space (not a URI at all)
        for (String malformed : java.util.List.of("amqp//app:" + secret + "@h/v", "amqp:/app:" + secret + "@h",
                "amqp://app:" + secret + "@x@h/v", "amqp://app:" + secret + " x@h/v", "app:" + secret + "@h")) {
            assertThatThrownBy(() -> RabbitMqTransport.fromUri(malformed)).as(malformed)
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageNotContaining(secret)
                    .hasMessageNotContaining("hunter2");
        }
    }

    @Test
    void buildReportsEveryProblemAtOnce() {
        assertThatThrownBy(() -> RabbitMqTransport.builder()
                .host("")
                .port(70000)
                .channelPoolSize(0)
                .confirmTimeout(Duration.ZERO)
                .blockedPublishTimeout(Duration.ofSeconds(-1))
                .consumerTimeout(Duration.ZERO)
                .queue("bad name!", QueueOptions.quorum())
                .queue("orders", QueueOptions.quorum().withMessageTtl(Duration.ofMillis(-1)).withArgument("x-max-priority", 5))
                .uri("amqp://h/?frame_max=1")
                .build())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems())
                        .anyMatch(p -> p.contains("port"))
                        .anyMatch(p -> p.contains("channelPoolSize"))
                        .anyMatch(p -> p.contains("confirmTimeout"))
                        .anyMatch(p -> p.contains("blockedPublishTimeout must be positive"))
                        .anyMatch(p -> p.contains("consumerTimeout must be positive"))
                        .anyMatch(p -> p.contains("bad name!"))
                        .anyMatch(p -> p.contains("messageTtl"))
                        .anyMatch(p -> p.contains("x-max-priority"))
                        .anyMatch(p -> p.contains("frame_max")));
    }

    /** The close reason RabbitMQ gives for a publish to a missing exchange names it; other closes name none. */
    @Test
    void theMissingExchangeIsReadFromA404ChannelClose() {
        assertThat(Unconfirmed.missingExchange(channelClose(404, "NOT_FOUND - no exchange 'gone: it''s' in vhost '/'")))
                .isEqualTo("gone: it''s");
        assertThat(Unconfirmed.missingExchange(channelClose(404, "NOT_FOUND - no queue 'q' in vhost '/'"))).isNull();
        assertThat(Unconfirmed.missingExchange(channelClose(406, "PRECONDITION_FAILED - no exchange 'x' in vhost '/'")))
                .isNull();
    }

    private static com.rabbitmq.client.ShutdownSignalException channelClose(int code, String text) {
        com.rabbitmq.client.AMQP.Channel.Close close = new com.rabbitmq.client.AMQP.Channel.Close.Builder()
                .replyCode(code).replyText(text).classId(60).methodId(40).build();
        return new com.rabbitmq.client.ShutdownSignalException(false, false, close, null);
    }

    @Test
    void missingOrUnreadableKeyStoresAreConfigurationProblems(@TempDir Path dir) throws Exception {
        Path garbage = dir.resolve("client.p12");
        Files.writeString(garbage, "not a key store");
        assertThatThrownBy(() -> RabbitMqTransport.builder()
                .keyStore(garbage, "pw".toCharArray())
                .trustStore(dir.resolve("missing.jks"), "pw".toCharArray())
                .build())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems())
                        .anyMatch(p -> p.contains("keyStore") && p.contains("cannot be loaded"))
                        .anyMatch(p -> p.contains("trustStore") && p.contains("does not exist")));
        assertThatThrownBy(() -> RabbitMqTransport.builder()
                .sslContext(SSLContext.getDefault())
                .trustStore(garbage, null)
                .build())
                .hasMessageContaining("not both");
    }

    @Test
    void validTrustStoreAndKeyStoreBuildATlsTransport(@TempDir Path dir) throws Exception {
        Path trust = dir.resolve("trust.p12");
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        try (var out = Files.newOutputStream(trust)) {
            empty.store(out, "changeit".toCharArray());
        }
        RabbitMqTransport t = RabbitMqTransport.builder().host("rabbit.example")
                .trustStore(trust, "changeit".toCharArray())
                .keyStore(trust, "changeit".toCharArray())
                .build();
        assertThat(t.endpoint()).isEqualTo("amqps://rabbit.example:5671/");
        assertThat(RabbitMqTransport.builder().sslContext(SSLContext.getDefault()).port(5671).build().endpoint())
                .startsWith("amqps://");
    }

    @Test
    void exchangeNamesFollowMassTransit() {
        assertThat(ExchangeNames.forUrn("urn:message:Company.Project:SubmitOrder")).isEqualTo("Company.Project:SubmitOrder");
        assertThat(ExchangeNames.forUrn("urn:message:MassTransit.Tests:MessageUrnSpecs+X"))
                .isEqualTo("MassTransit.Tests:MessageUrnSpecs-X");
        assertThat(ExchangeNames.forUrn("urn:message:MassTransit:Fault[[Acme:SubmitOrder]]"))
                .isEqualTo("MassTransit:Fault--Acme:SubmitOrder--");
        assertThat(ExchangeNames.forUrn("urn:message:MassTransit.RabbitMqTransport.Tests:NameGeneric[[System:String]]"))
                .isEqualTo("MassTransit.RabbitMqTransport.Tests:NameGeneric--System:String--");
        assertThat(ExchangeNames.forUrn("urn:message:N:NameDoubleGeneric[[N:NameGeneric[[N:NameEasyToo]]],[N:NameEasy]]"))
                .isEqualTo("N:NameDoubleGeneric--NameGeneric--NameEasyToo--::NameEasy--");
        assertThat(ExchangeNames.forUrn("urn:message:N:" + "x".repeat(300)).length()).isLessThanOrEqualTo(255);
    }

    @Test
    void headersAreTrimmedToFitAFrame() {
        var table = new java.util.LinkedHashMap<String, Object>();
        table.put("MT-Fault-StackTrace", "at x.y(Z.java:1)\n".repeat(20_000));
        table.put("MT-Reason", "fault");
        assertThat(AmqpHeaders.fit(table, 8192)).isTrue();
        assertThat(AmqpHeaders.tableSize(table)).isLessThanOrEqualTo(8192);
        assertThat(table).containsEntry("MT-Reason", "fault");
        assertThat(table.get("MT-Fault-StackTrace").toString()).startsWith("at x.y(Z.java:1)").endsWith("…");
    }
}
