package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Connection;
import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.SendOptions;
import dev.omnibus.outbox.JdbcOutbox;
import dev.omnibus.outbox.kit.Databases;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.net.URI;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A response produced behind the JDBC outbox's inbox leaves the relay as a reply too: to an address
 * that names nothing on the broker it creates nothing and is dropped (logged), without blocking the
 * rows after it; to an address that exists it arrives. RabbitMQ and PostgreSQL.
 */
class RabbitMqOutboxReplyTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(30));
    private final String run = RunIds.next();
    private Databases.Db db;
    private Bus bus;
    private Connection plain;

    record Ask(UUID id) {
    }

    record Answer(UUID id) {
    }

    @AfterEach
    void stop() throws Exception {
        if (bus != null) {
            bus.close();
        }
        if (plain != null) {
            plain.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void aResponseThroughTheOutboxToAnAddressFromAMessageIsNeverDeclared() throws Exception {
        db = Databases.postgres();
        JdbcOutbox outbox = JdbcOutbox.builder(db.dataSource()).build();
        outbox.migrate();
        String asks = "or-asks-" + run;
        String answers = "or-answers-" + run;
        String evil = "or-evil-" + run;
        CopyOnWriteArrayList<Answer> answered = new CopyOnWriteArrayList<>();
        bus = Bus.builder().transport(RabbitFixture.transport()).name("or-" + run).scheduler(outbox.scheduler())
                .receiveEndpoint(asks, e -> e.filter(outbox.inbox())
                        .consumer(Ask.class, ctx -> ctx.respond(new Answer(ctx.message().id()))))
                .receiveEndpoint(answers, e -> e.consumer(Answer.class, ctx -> answered.add(ctx.message())))
                .start();
        plain = RabbitFixture.plainFactory().newConnection("outbox-reply-test");
        String host = URI.create(RabbitFixture.uri()).getHost();
        UUID key = UUID.randomUUID(); // one correlation id: the rows share an order key, the good one after the bad

        bus.send(Address.queue(asks), new Ask(UUID.randomUUID()), SendOptions.defaults().withCorrelationId(key)
                .withResponseAddress(new Address(URI.create("rabbitmq://" + host + "/" + evil + "?bind=true&durable=true"))))
                .join();
        UUID good = UUID.randomUUID();
        bus.send(Address.queue(asks), new Ask(good), SendOptions.defaults().withCorrelationId(key)
                .withResponseAddress(Address.queue(answers))).join();

        AWAIT.until("the answer to the existing address, relayed after the undeliverable one",
                () -> answered.stream().anyMatch(a -> a.id().equals(good)));
        AWAIT.until("the outbox holds no row", () -> rows() == 0);
        assertThat(RabbitFixture.exists(plain, ch -> ch.exchangeDeclarePassive(evil)))
                .as("an exchange named by the message").isFalse();
        assertThat(RabbitFixture.exists(plain, ch -> ch.queueDeclarePassive(evil)))
                .as("a queue named by the message").isFalse();
        assertThat(RabbitFixture.exists(plain, ch -> ch.queueDeclarePassive(answers)))
                .as("the check itself sees what exists").isTrue();
        assertThat(answered).hasSize(1);
    }

    private long rows() {
        try (java.sql.Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM omnibus_outbox")) {
            r.next();
            return r.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
