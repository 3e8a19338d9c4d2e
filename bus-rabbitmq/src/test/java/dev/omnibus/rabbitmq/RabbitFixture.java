package dev.omnibus.rabbitmq;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the RabbitMQ broker for the tests: {@code OMNIBUS_RABBITMQ_URI} if set, else a broker
 * on {@code 127.0.0.1:5672} (guest/guest) if something accepts a TCP connection there. With
 * {@code -Domnibus.ci=true} (set by the build when {@code CI=true}) a missing broker fails the
 * test; otherwise the test is skipped with a message saying how to provide one. Between the two, a
 * machine with a Docker engine gets a broker from Testcontainers, started once and kept for the run.
 */
final class RabbitFixture {
    static final String ENV = "OMNIBUS_RABBITMQ_URI";
    private static volatile String uri;

    private RabbitFixture() {
    }

    /** The broker URI; aborts (skips) or fails the calling test when there is none. */
    static String uri() {
        String u = uri;
        if (u != null) {
            return u;
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            uri = env.trim();
            return uri;
        }
        if (reachable("127.0.0.1", 5672)) {
            uri = "amqp://guest:guest@127.0.0.1:5672/";
            return uri;
        }
        String container = fromContainer();
        if (container != null) {
            uri = container;
            return uri;
        }
        String how = "No RabbitMQ broker: set " + ENV + "=amqp://user:pass@host:5672/vhost, or start one on 127.0.0.1:5672 "
                + "(rabbitmq-server -detached; .ci/run does this), or run it in Docker (docker run -p 5672:5672 rabbitmq:3)";
        if (Boolean.getBoolean("omnibus.ci")) {
            throw new AssertionError(how + " [CI=true: a missing broker fails the build]");
        }
        Assumptions.abort(how);
        return null;
    }

    /** A transport builder for the test broker. */
    static RabbitMqTransportBuilder builder() {
        return RabbitMqTransport.builder().uri(uri());
    }

    /** A new, unstarted transport to the test broker. */
    static RabbitMqTransport transport() {
        return builder().build();
    }

    /** Host and port of the broker, for plain amqp-client connections. */
    static com.rabbitmq.client.ConnectionFactory plainFactory() {
        com.rabbitmq.client.ConnectionFactory f = new com.rabbitmq.client.ConnectionFactory();
        try {
            f.setUri(uri());
        } catch (Exception e) {
            throw new IllegalStateException("bad " + ENV + ": " + RabbitMqTransportBuilder.redact(uri()), e);
        }
        if (f.getVirtualHost() == null || f.getVirtualHost().isEmpty()) {
            f.setVirtualHost("/");
        }
        return f;
    }

    /** A broker in a container when a Docker engine answers; null otherwise. */
    private static synchronized String fromContainer() {
        try {
            if (!org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) {
                return null;
            }
            @SuppressWarnings("resource") // kept for the whole test run; Testcontainers' reaper removes it
            org.testcontainers.containers.RabbitMQContainer broker =
                    new org.testcontainers.containers.RabbitMQContainer("rabbitmq:3.13-management-alpine");
            broker.start();
            return broker.getAmqpUrl().replace("amqp://", "amqp://" + broker.getAdminUsername() + ":"
                    + broker.getAdminPassword() + "@") + "/";
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** A passive declare ({@code exchangeDeclarePassive}, {@code queueDeclarePassive}) to try. */
    interface PassiveCheck {
        void run(com.rabbitmq.client.Channel ch) throws IOException;
    }

    /** Whether a passive declare succeeds, on a channel of its own (a failed one closes its channel). */
    static boolean exists(com.rabbitmq.client.Connection connection, PassiveCheck check) throws Exception {
        com.rabbitmq.client.Channel ch = connection.createChannel();
        try {
            check.run(ch);
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            if (ch.isOpen()) {
                ch.close();
            }
        }
    }

    private static boolean reachable(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
