package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.ConfigurationException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

class SqsTransportBuilderTest {
    @Test
    void everyProblemIsReportedAtOnce() {
        assertThatThrownBy(() -> SqsTransport.builder()
                .endpoint("not a url")
                .queuePrefix("prod.")
                .visibilityTimeout(Duration.ofHours(13))
                .waitTimeSeconds(21)
                .flushInterval(Duration.ofSeconds(2))
                .maxConcurrentReceives(0)
                .build())
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(((ConfigurationException) e).problems()).hasSize(6))
                .hasMessageContaining("endpoint 'not a url'")
                .hasMessageContaining("queuePrefix 'prod.'")
                .hasMessageContaining("visibilityTimeout")
                .hasMessageContaining("waitTimeSeconds")
                .hasMessageContaining("flushInterval")
                .hasMessageContaining("maxConcurrentReceives");
    }

    @Test
    void credentialsNeverShowInTheSettings() {
        SqsTransport t = SqsTransport.builder()
                .endpoint("http://127.0.0.1:9324")
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDSECRETID", "s3cr3t-key")))
                .queuePrefix("dev-")
                .build();
        assertThat(t.settings().toString()).doesNotContain("AKIDSECRETID").doesNotContain("s3cr3t-key")
                .contains("dev-").contains("127.0.0.1:9324");
        assertThat(t.toString()).doesNotContain("s3cr3t-key");
    }

    @Test
    void aLeaseCapShorterThanTheVisibilityTimeoutIsRefused() {
        assertThatThrownBy(() -> SqsTransport.builder().visibilityTimeout(Duration.ofMinutes(5))
                .maxLeaseExtension(Duration.ofMinutes(1)).build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("maxLeaseExtension");
    }

    @Test
    void capabilitiesSayWhatSqsDoes() {
        var caps = SqsTransport.builder().endpoint("http://127.0.0.1:9324").build().capabilities();
        assertThat(caps.maxNativeDelay()).isEqualTo(Duration.ofMinutes(15));
        assertThat(caps.cancellableDelay()).isFalse();
        assertThat(caps.maxMessageSize()).isEqualTo(1024 * 1024);
        assertThat(caps.maxBatchSize()).isEqualTo(10);
        assertThat(caps.routing()).isEqualTo(dev.omnibus.spi.TransportCapabilities.Routing.BUS);
    }

    @Test
    void fifoEndpointNamesAreCheckedAndTheQueueGetsItsSuffix() {
        assertThatThrownBy(() -> SqsTransport.builder().fifo("orders.fifo", " ").fifo().build())
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(((ConfigurationException) e).problems()).hasSize(3)
                        .anySatisfy(p -> assertThat(p).contains("without '.fifo'"))
                        .anySatisfy(p -> assertThat(p).contains("blank"))
                        .anySatisfy(p -> assertThat(p).contains("names no endpoint")));
        SqsTransport t = SqsTransport.builder().region("eu-west-1").queuePrefix("prod-").fifo("payments").build();
        assertThat(t.settings().isFifo("payments")).isTrue();
        assertThat(t.settings().isFifo("orders")).isFalse();
        assertThat(new Queues(null, t.settings()).queueName("payments")).isEqualTo("prod-payments.fifo");
        assertThat(new Queues(null, t.settings()).queueName("orders")).isEqualTo("prod-orders");
        assertThat(t.capabilities().ordering()).isEqualTo(dev.omnibus.spi.TransportCapabilities.Ordering.GROUP);
        assertThat(SqsTransport.builder().region("eu-west-1").build().capabilities().ordering())
                .isEqualTo(dev.omnibus.spi.TransportCapabilities.Ordering.NONE);
    }
}
