package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.ConfigurationException;
import dev.omnibus.spi.TransportCapabilities;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Configuration errors reported at once, secrets kept out of logs, capabilities as documented. No broker. */
class KafkaTransportBuilderTest {
    @Test
    void everyProblemIsReportedInOneException() {
        assertThatThrownBy(() -> KafkaTransport.builder()
                .bootstrapServers("broker-without-port")
                .partitions(0)
                .commitInterval(Duration.ZERO)
                .revocationTimeout(Duration.ofSeconds(-1))
                .maxMessageSize(0)
                .property("group.id", "mine")
                .property("linger.ms", null)
                .topicPrefix("bad prefix/")
                .queueMode("jobs", " ")
                .property("share.acknowledgement.mode", "implicit")
                .build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("bootstrap server 'broker-without-port' is not host:port")
                .hasMessageContaining("partitions must be at least 1, was 0")
                .hasMessageContaining("commitInterval must be positive")
                .hasMessageContaining("revocationTimeout must be positive")
                .hasMessageContaining("maxMessageSize must be positive, was 0")
                .hasMessageContaining("client property 'group.id' is set by the transport")
                .hasMessageContaining("client property 'linger.ms' has no value")
                .hasMessageContaining("topicPrefix 'bad prefix/' holds characters a topic name cannot")
                .hasMessageContaining("queueMode names a blank endpoint")
                .hasMessageContaining("client property 'share.acknowledgement.mode' is set by the transport");
    }

    @Test
    void queueModeIsPerEndpoint() {
        KafkaTransport t = KafkaTransport.builder().queueMode("jobs").queueMode("mail").build();
        assertThat(t.settings().queueMode("jobs")).isTrue();
        assertThat(t.settings().queueMode("mail")).isTrue();
        assertThat(t.settings().queueMode("orders")).isFalse();
    }

    @Test
    void queueModeForAllEndpointsCoversEveryDurableEndpointNamedOrNot() {
        KafkaTransport t = KafkaTransport.builder().queueModeForAllEndpoints().build();
        assertThat(t.settings().queueMode("jobs")).isTrue();
        assertThat(t.settings().queueMode("cf-compete-1a2b")).isTrue();
        assertThat(t.settings().queueMode("jobs_error")).isTrue();
        assertThat(KafkaTransport.builder().build().settings().queueMode("jobs")).as("off by default").isFalse();
    }

    @Test
    void secretsAreRedactedFromWhatIsLogged() {
        KafkaTransport t = KafkaTransport.builder()
                .bootstrapServers("b1:9093,b2:9093")
                .property("security.protocol", "SASL_SSL")
                .property("sasl.jaas.config", "ScramLoginModule required username=\"u\" password=\"hunter2\";")
                .property("ssl.truststore.password", "changeit")
                .build();
        assertThat(t.settings().redacted()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", "****").containsEntry("ssl.truststore.password", "****");
        assertThat(t.settings().redacted().toString()).doesNotContain("hunter2").doesNotContain("changeit");
        assertThat(t.toString()).doesNotContain("hunter2");
        assertThat(t.settings().firstServer()).isEqualTo("b1:9093");
    }

    @Test
    void capabilitiesSayWhatALogDoes() {
        TransportCapabilities c = KafkaTransport.builder().maxMessageSize(500_000).build().capabilities();
        assertThat(c.settlement()).isEqualTo(TransportCapabilities.Settlement.CUMULATIVE);
        assertThat(c.ordering()).isEqualTo(TransportCapabilities.Ordering.KEY);
        assertThat(c.nativeDelay()).as("a log has no delay").isFalse();
        assertThat(c.maxMessageSize()).isEqualTo(500_000);
        assertThat(c.temporaryEndpoints()).isTrue();
    }

    @Test
    void consumersWaitAtMostATenthOfASecondOnAFetchUnlessTheApplicationSaysOtherwise() {
        KafkaTransport defaults = KafkaTransport.builder().bootstrapServers("localhost:9092").build();
        assertThat(new ClientProperties(defaults.settings(), "b").consumer("orders", "g", 500))
                .containsEntry("fetch.max.wait.ms", "100")
                .containsEntry("max.poll.records", "500");
        assertThat(new ClientProperties(defaults.settings(), "b").consumer("replies", null, 40))
                .containsEntry("fetch.max.wait.ms", "100")
                .containsEntry("max.poll.records", "40");
        KafkaTransport own = KafkaTransport.builder().bootstrapServers("localhost:9092")
                .property("fetch.max.wait.ms", "250").build();
        assertThat(new ClientProperties(own.settings(), "b").consumer("orders", "g", 500))
                .containsEntry("fetch.max.wait.ms", "250");
    }
}
