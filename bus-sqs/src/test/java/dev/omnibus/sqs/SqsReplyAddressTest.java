package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A response address from a message never creates an SQS queue: the response fails instead. */
class SqsReplyAddressTest {
    private final String prefix = "rr-" + RunIds.next() + "-";
    private final Await await = Await.atMost(Duration.ofSeconds(30));

    record Ask(UUID id) {
    }

    record Answer(UUID id) {
    }

    @AfterEach
    void cleanUp() {
        SqsFixture.deleteQueuesWithPrefix(prefix);
    }

    @Test
    void aResponseAddressNamingNoQueueCreatesNone() throws Exception {
        AtomicInteger failed = new AtomicInteger();
        SqsTransport transport = SqsTransport.builder().withoutSns().endpoint(SqsFixture.endpoint().toString())
                .region(AwsTestClients.REGION.id()).credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix)
                .waitTimeSeconds(1).build();
        try (Bus bus = Bus.builder().transport(transport).name("rr-" + RunIds.next())
                .receiveEndpoint("asks", e -> e.consumer(Ask.class, ctx -> {
                    try {
                        ctx.respond(new Answer(ctx.message().id())).join();
                    } catch (RuntimeException x) {
                        failed.incrementAndGet();
                        throw x;
                    }
                }))
                .start()) {
            bus.send(Address.queue("asks"), new Ask(UUID.randomUUID()), SendOptions.defaults()
                    .withResponseAddress(new Address(URI.create("sqs://localhost/evil")))).join();
            await.until("the response refused", () -> failed.get() >= 1);
            assertThat(SqsFixture.client().listQueues(b -> b.queueNamePrefix(prefix)).queueUrls())
                    .as("queues after the refused response").noneMatch(u -> u.endsWith(prefix + "evil"));
        }
    }
}
