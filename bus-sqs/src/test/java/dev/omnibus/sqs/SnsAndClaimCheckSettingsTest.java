package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Bus;
import dev.omnibus.ConfigurationException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/** The builder's SNS and claim-check options: every problem at once, the defaults, the capabilities. */
class SnsAndClaimCheckSettingsTest {
    /** Consumed as an interface that no registered record implements. */
    public interface Unimplemented {
    }

    @Test
    void everySnsAndClaimCheckProblemIsReportedAtOnce() {
        assertThatThrownBy(() -> SqsTransport.builder()
                .snsEndpoint("sns.local")
                .claimCheck("Not_A_Bucket")
                .claimCheckMaxBodySize(1000)
                .s3Endpoint("ftp://x")
                .build())
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(((ConfigurationException) e).problems()).hasSize(4))
                .hasMessageContaining("snsEndpoint 'sns.local'")
                .hasMessageContaining("claimCheck bucket 'Not_A_Bucket'")
                .hasMessageContaining("claimCheckMaxBodySize must be between 1 MiB and 1 GiB")
                .hasMessageContaining("s3Endpoint 'ftp://x'");
        assertThatThrownBy(() -> SqsTransport.builder().s3Endpoint("http://127.0.0.1:1").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("s3Client, s3Endpoint or claimCheckMaxBodySize is set but claimCheck(bucket) is not");
    }

    @Test
    void anApplicationSqsClientNeedsAnSnsClientAndAnS3ClientForTheClaimCheck() {
        try (SqsAsyncClient sqs = AwsTestClients.sqsAsync(java.net.URI.create("http://127.0.0.1:1"))) {
            assertThatThrownBy(() -> SqsTransport.builder().client(sqs).claimCheck("claims").build())
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("snsClient(...) is not: publishing goes through SNS")
                    .hasMessageContaining("s3Client(...) is not: give the S3 client too");
        }
    }

    @Test
    void snsAndS3DefaultToTheSqsEndpointAndTheClaimCheckRaisesTheMessageSizeLimit() {
        SqsTransport plain = SqsTransport.builder().endpoint("http://127.0.0.1:4566").build();
        assertThat(plain.capabilities().maxMessageSize()).isEqualTo(1024 * 1024);
        SqsTransport claims = SqsTransport.builder().endpoint("http://127.0.0.1:4566").claimCheck("claims").build();
        assertThat(claims.capabilities().maxMessageSize()).isEqualTo(16 * 1024 * 1024);
        assertThat(claims.snsSettings().snsEndpoint()).hasToString("http://127.0.0.1:4566");
        assertThat(claims.snsSettings().s3Endpoint()).hasToString("http://127.0.0.1:4566");
        assertThat(claims.snsSettings().toString()).contains("s3://claims");
    }

    @Test
    void anInterfaceConsumerWithNoRegisteredRecordIsRefusedAtBuildBecauseItWouldSubscribeToNoTopic() {
        assertThatThrownBy(() -> Bus.builder().transport(SqsTransport.builder().endpoint("http://127.0.0.1:1").build())
                .receiveEndpoint("nothing", e -> e.consumer(Unimplemented.class, ctx -> { }))
                .build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("no registered record implements it")
                .hasMessageContaining("BusBuilder.messageType(Record.class)");
    }
}
