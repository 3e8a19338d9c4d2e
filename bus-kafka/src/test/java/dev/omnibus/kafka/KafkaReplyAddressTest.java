package dev.omnibus.kafka;

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

/** A response address from a message never creates a Kafka topic: the response fails instead. */
class KafkaReplyAddressTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(60));
    private final String prefix = "kr-" + RunIds.next() + ".";

    record Ask(UUID id) {
    }

    record Answer(UUID id) {
    }

    @AfterEach
    void cleanUp() {
        KafkaFixture.deleteTopicsWithPrefix(prefix);
    }

    /**
     * A response held by the in-memory outbox of a transactional endpoint, written in the transaction
     * that commits the ask's offset: it too creates no topic, and the ask ends in {@code _error}.
     */
    @Test
    void aHeldResponseInATransactionCreatesNoTopicEither() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).partitions(1).startFrom(KafkaTransportBuilder.StartFrom.EARLIEST)
                .transactions("kr-tx-" + RunIds.next()).build();
        try (Bus bus = Bus.builder().transport(transport).name("kr-" + RunIds.next())
                .receiveEndpoint("asks", e -> e.useInMemoryOutbox().consumer(Ask.class, ctx -> {
                    asked.incrementAndGet();
                    ctx.respond(new Answer(ctx.message().id()));
                }))
                .start()) {
            String evil = "evil-" + RunIds.next();
            bus.send(Address.queue("asks"), new Ask(UUID.randomUUID()), SendOptions.defaults()
                    .withResponseAddress(new Address(URI.create("kafka://localhost/" + evil)))).join();
            AWAIT.until("the ask ends in asks_error", () -> {
                try {
                    if (!KafkaFixture.topicsWithPrefix(prefix).contains(prefix + "asks_error")) {
                        return false;
                    }
                } catch (Exception e) {
                    return false;
                }
                try (TopicReader errors = new TopicReader(prefix + "asks_error", 1, true)) {
                    return !errors.readToEnd().isEmpty();
                }
            });
            assertThat(asked.get()).as("consumer calls").isEqualTo(1);
            try (var admin = org.apache.kafka.clients.admin.Admin.create(java.util.Map.of("bootstrap.servers",
                    KafkaFixture.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).as("topics after the refused response")
                        .noneMatch(t -> t.contains(evil));
            }
        }
    }

    @Test
    void aResponseAddressNamingNoTopicCreatesNoneAndTheAskEndsInError() throws Exception {
        AtomicInteger failed = new AtomicInteger();
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).partitions(1).startFrom(KafkaTransportBuilder.StartFrom.EARLIEST).build();
        try (Bus bus = Bus.builder().transport(transport).name("kr-" + RunIds.next())
                .receiveEndpoint("asks", e -> e.consumer(Ask.class, ctx -> {
                    try {
                        ctx.respond(new Answer(ctx.message().id())).join();
                    } catch (RuntimeException x) {
                        failed.incrementAndGet();
                        throw x;
                    }
                }))
                .start()) {
            String evil = "evil-" + RunIds.next();
            bus.send(Address.queue("asks"), new Ask(UUID.randomUUID()), SendOptions.defaults()
                    .withResponseAddress(new Address(URI.create("kafka://localhost/" + evil)))).join();
            AWAIT.until("the response refused", () -> failed.get() >= 1);
            try (var admin = org.apache.kafka.clients.admin.Admin.create(java.util.Map.of("bootstrap.servers",
                    KafkaFixture.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).as("topics after the refused response")
                        .noneMatch(t -> t.contains(evil));
            }
        }
    }
}
