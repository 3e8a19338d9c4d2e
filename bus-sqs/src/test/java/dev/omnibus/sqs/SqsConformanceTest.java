package dev.omnibus.sqs;

import dev.omnibus.BusBuilder;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.RunIds;
import dev.omnibus.testing.conformance.TransportConformanceKit;
import java.time.Duration;

/**
 * The transport conformance kit against SQS alone: the in-JVM ElasticMQ ({@link SqsFixture}, strict
 * limits). Each test has its own queue prefix and its queues are deleted after it. Delays beyond
 * SQS's 15 minutes would need a durable scheduler; the buses here may hold them in memory
 * ({@code allowInMemoryScheduling}).
 */
class SqsConformanceTest extends TransportConformanceKit {
    private final String prefix = "sc-" + RunIds.next() + "-";

    @Override
    protected Transport newTransport() {
        return SqsTransport.builder()
                .endpoint(SqsFixture.endpoint().toString())
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
        SqsFixture.deleteQueuesWithPrefix(prefix);
    }
}
