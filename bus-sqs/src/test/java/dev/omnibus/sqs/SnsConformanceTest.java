package dev.omnibus.sqs;

import dev.omnibus.BusBuilder;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.RunIds;
import dev.omnibus.testing.conformance.TransportConformanceKit;
import java.time.Duration;

/**
 * The transport conformance kit against SNS + SQS, both served by fauxqs ({@link SnsFixture}: its SNS
 * delivers only to its own queues, so the whole transport runs on it). Each test has its own queue
 * (and topic) prefix; its queues and topics are deleted after it. Delays beyond SQS's 15 minutes
 * would need a durable scheduler; the buses here may hold them in memory
 * ({@code allowInMemoryScheduling}).
 *
 * <p>There is no run on ElasticMQ any more: publishing is SNS's, and fauxqs's SNS cannot reach
 * ElasticMQ's queues. ElasticMQ (strict limits) still tests the SQS behaviour below the bus
 * ({@code SqsTransportTest}).
 */
class SnsConformanceTest extends TransportConformanceKit {
    private final String prefix = "kc-" + RunIds.next() + "-";

    @Override
    protected Transport newTransport() {
        return SqsTransport.builder()
                .endpoint(SnsFixture.endpoint().toString())
                .region(AwsTestClients.REGION.id())
                .credentials(AwsTestClients.CREDENTIALS)
                .queuePrefix(prefix)
                .waitTimeSeconds(2) // close() waits for the receives in flight: the kit bounds stop() at 5 s
                .build();
    }

    @Override
    protected BusBuilder configureBus(BusBuilder builder) {
        return builder.allowInMemoryScheduling();
    }

    @Override
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    @Override
    protected void afterEachTest() {
        SnsFixture.deleteTopicsWithPrefix(prefix);
        SnsFixture.deleteQueuesWithPrefix(prefix);
    }
}
