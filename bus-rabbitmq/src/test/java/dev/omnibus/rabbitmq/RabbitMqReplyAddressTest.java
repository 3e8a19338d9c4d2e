package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A response address that comes from a message is never declared: a message naming a durable queue
 * of its choosing as its response address does not make the bus create it; the response fails (and
 * the message goes to {@code _error}) instead. A response to an address that exists still arrives.
 */
class RabbitMqReplyAddressTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(30));
    private final String run = dev.omnibus.testing.RunIds.next();
    private Bus bus;
    private Connection plain;

    record Ask(UUID id) {
    }

    record Answer(UUID id) {
    }

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @AfterEach
    void stop() throws Exception {
        if (bus != null) {
            bus.close();
        }
        if (plain != null) {
            plain.close();
        }
    }

    @Test
    void aResponseAddressFromAMessageIsNeverDeclared() throws Exception {
        responseAddressNeverDeclared(false);
    }

    /** The same when the response is held by the in-memory outbox and leaves with the ack. */
    @Test
    void aHeldResponseToAnAddressFromAMessageIsNeverDeclaredEither() throws Exception {
        responseAddressNeverDeclared(true);
    }

    private void responseAddressNeverDeclared(boolean held) throws Exception {
        String asks = "ra-asks-" + run;
        String answers = "ra-answers-" + run;
        String evil = "ra-evil-" + run;
        CopyOnWriteArrayList<Answer> answered = new CopyOnWriteArrayList<>();
        bus = Bus.builder().transport(RabbitFixture.transport()).name("ra-" + run)
                .receiveEndpoint(asks, e -> {
                    if (held) {
                        e.useInMemoryOutbox();
                    }
                    e.consumer(Ask.class, ctx -> ctx.respond(new Answer(ctx.message().id())));
                })
                .receiveEndpoint(answers, e -> e.consumer(Answer.class, ctx -> answered.add(ctx.message())))
                .start();
        plain = RabbitFixture.plainFactory().newConnection("reply-address-test");
        String host = URI.create(RabbitFixture.uri()).getHost();

        UUID good = UUID.randomUUID();
        bus.send(Address.queue(asks), new Ask(good), SendOptions.defaults()
                .withResponseAddress(Address.queue(answers))).join();
        AWAIT.until("the answer to an existing address", () -> answered.stream().anyMatch(a -> a.id().equals(good)));

        bus.send(Address.queue(asks), new Ask(UUID.randomUUID()), SendOptions.defaults()
                .withResponseAddress(new Address(URI.create("rabbitmq://" + host + "/" + evil + "?bind=true&durable=true"))))
                .join();
        AWAIT.until("the ask whose answer could not go anywhere in _error", () -> depth(asks + "_error") == 1);
        assertThat(RabbitFixture.exists(plain, ch -> ch.exchangeDeclarePassive(evil)))
                .as("an exchange named by the message").isFalse();
        assertThat(RabbitFixture.exists(plain, ch -> ch.queueDeclarePassive(evil)))
                .as("a queue named by the message").isFalse();
        assertThat(RabbitFixture.exists(plain, ch -> ch.queueDeclarePassive(answers)))
                .as("the check itself sees what exists").isTrue();
        assertThat(answered).hasSize(1);
    }

    private long depth(String queue) {
        try (Channel ch = plain.createChannel()) {
            return ch.messageCount(queue);
        } catch (Exception e) {
            return -1;
        }
    }
}
