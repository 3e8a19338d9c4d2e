package dev.omnibus.sqs;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.elasticmq.StrictSQSLimits$;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Finds the SQS server for the tests of SQS behaviour (queues, batches, visibility, FIFO, delays,
 * limits), in this order:
 * <ol>
 *   <li>{@code OMNIBUS_SQS_ENDPOINT} (an {@code http://host:port} URL) if set: real SQS, a
 *       LocalStack, or an ElasticMQ you run yourself;</li>
 *   <li>else ONE ElasticMQ server started in this JVM ({@code elasticmq-rest-sqs_2.13}), lazily on
 *       first use, on {@code 127.0.0.1} and a free port, with ElasticMQ's <em>strict</em> SQS
 *       limits (queue names up to 80 characters, batches up to 10 entries, at most 10 message
 *       attributes, the body size limit, valid body characters, long polls up to 20 s), kept for
 *       the whole JVM and stopped by a shutdown hook. It starts in about 2–3 s.</li>
 * </ol>
 * There is no probe of a fixed local port: unlike RabbitMQ or Kafka, this machine has no SQS
 * server of its own, and the in-JVM one costs little. If ElasticMQ cannot start, the calling test
 * fails with {@code -Domnibus.ci=true} (set by the build when {@code CI=true}) and is skipped
 * otherwise, with a message saying how to provide a server; the failure is remembered, so later
 * tests fail or skip at once.
 *
 * <p>SNS is not here: ElasticMQ has none, and the SNS emulator delivers only to its own queues
 * (see {@link SnsFixture} and docs/sqs.md, "Test servers"). Tests that need a topic fanning out
 * to queues take both from {@link SnsFixture}; tests of SQS behaviour alone take them from here.
 *
 * <p>Checked against ElasticMQ 1.7.1 with AWS SDK 2.57.8 (the JSON protocol), and asserted by
 * {@code SqsFixtureTest} and {@code TestServerLimitsTest} (table in docs/sqs.md): with strict limits
 * it rejects names over 80 characters, batches over 10, 11 attributes, bodies over 1 MiB (SQS's
 * limit since 2025), invalid characters, long polls over 20 s and delays over 900 s; FIFO groups
 * lock while a message is in flight and a receive returns several of one group, in order. It
 * differs from SQS in two ways: a visibility timeout over 12 hours is accepted, and a batch over
 * 1 MiB in all fails with {@code InvalidAttributeValueException} ("MessageTooLong"), not
 * {@code BatchRequestTooLongException}.
 *
 * <p>Tests name their queues with a per-run prefix ({@code "orders-" + RunIds.next()}) and remove
 * them with {@link #deleteQueuesWithPrefix}, so runs sharing a server never see each other's
 * queues. Thread-safe.
 */
final class SqsFixture {
    static final String ENV = "OMNIBUS_SQS_ENDPOINT";

    private static final Logger log = LoggerFactory.getLogger(SqsFixture.class);

    private static volatile URI endpoint;
    private static volatile SqsClient client;
    private static volatile SqsAsyncClient asyncClient;
    private static volatile SQSRestServer server;
    /** Why ElasticMQ could not start; set once, so later tests do not try again. */
    private static volatile String unavailable;
    /** Milliseconds ElasticMQ took to bind its port; -1 when this JVM uses another server. */
    private static volatile long embeddedStartMillis = -1;

    static {
        // One hook, so the order is fixed: the clients, then the server.
        Runtime.getRuntime().addShutdownHook(new Thread(SqsFixture::closeAll, "omnibus-sqs-fixture-close"));
    }

    private SqsFixture() {
    }

    /** The SQS endpoint; fails or aborts (skips) the calling test when there is none. */
    static URI endpoint() {
        URI e = endpoint;
        if (e != null) {
            return e;
        }
        synchronized (SqsFixture.class) {
            if (endpoint == null) {
                endpoint = find();
            }
            return endpoint;
        }
    }

    /** A sync client for the test server, shared by the JVM's tests: do not close it. */
    static SqsClient client() {
        SqsClient c = client;
        if (c != null) {
            return c;
        }
        URI e = endpoint();
        synchronized (SqsFixture.class) {
            if (client == null) {
                client = AwsTestClients.sqs(e);
            }
            return client;
        }
    }

    /** An async (Netty) client for the test server, shared by the JVM's tests: do not close it. */
    static SqsAsyncClient asyncClient() {
        SqsAsyncClient c = asyncClient;
        if (c != null) {
            return c;
        }
        URI e = endpoint();
        synchronized (SqsFixture.class) {
            if (asyncClient == null) {
                asyncClient = AwsTestClients.sqsAsync(e);
            }
            return asyncClient;
        }
    }

    /** A new sync client of the caller's own (to close), e.g. to test a client's shutdown. */
    static SqsClient newClient() {
        return AwsTestClients.sqs(endpoint());
    }

    /** A new async client of the caller's own (to close). */
    static SqsAsyncClient newAsyncClient() {
        return AwsTestClients.sqsAsync(endpoint());
    }

    /**
     * Deletes the queues whose names start with {@code prefix}, and only those. The prefix must
     * contain an id this JVM handed out ({@code RunIds.next()}).
     *
     * @return how many queues were listed for deletion
     * @throws IllegalArgumentException if the prefix carries no id of this run
     */
    static int deleteQueuesWithPrefix(String prefix) {
        return AwsTestClients.deleteQueuesWithPrefix(client(), prefix);
    }

    /** Whether the server is the ElasticMQ of this JVM (so its exact limits and quirks apply). */
    static boolean embedded() {
        endpoint();
        return server != null;
    }

    /** How long the in-JVM ElasticMQ took to start, in milliseconds; -1 when this JVM uses another server. */
    static long embeddedStartMillis() {
        return embeddedStartMillis;
    }

    private static URI find() {
        if (unavailable != null) {
            return noServer();
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            log.info("SQS for the tests: {} (from {})", env.trim(), ENV);
            return URI.create(env.trim());
        }
        try {
            return startElasticMq();
        } catch (Exception | LinkageError e) {
            log.warn("the in-JVM ElasticMQ did not start", e);
            unavailable = e.toString();
        }
        return noServer();
    }

    private static URI startElasticMq() {
        long t0 = System.nanoTime();
        SQSRestServer s = SQSRestServerBuilder.withInterface("127.0.0.1")
                .withDynamicPort()
                .withAWSRegion(AwsTestClients.REGION.id())
                .withSQSLimits(StrictSQSLimits$.MODULE$)
                .start();
        int port = s.waitUntilStarted().localAddress().getPort();
        server = s;
        embeddedStartMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        URI uri = URI.create("http://127.0.0.1:" + port);
        log.info("SQS for the tests: ElasticMQ in this JVM at {}, strict limits, ready in {} ms", uri, embeddedStartMillis);
        return uri;
    }

    /** Fails the calling test under CI, aborts (skips) it otherwise. */
    private static URI noServer() {
        String how = "No SQS server: the in-JVM ElasticMQ did not start (" + unavailable + "); set " + ENV
                + "=http://host:port (an ElasticMQ: java -jar elasticmq-server.jar, or real SQS)";
        if (Boolean.getBoolean("omnibus.ci")) {
            throw new AssertionError(how + " [CI=true: a missing server fails the build]");
        }
        Assumptions.abort(how);
        return null;
    }

    private static void closeAll() {
        SqsClient c = client;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException e) {
                System.err.println("SqsFixture: closing the client failed: " + e);
            }
        }
        SqsAsyncClient a = asyncClient;
        if (a != null) {
            try {
                a.close();
            } catch (RuntimeException e) {
                System.err.println("SqsFixture: closing the async client failed: " + e);
            }
        }
        SQSRestServer s = server;
        if (s != null) {
            try {
                s.stopAndWait();
            } catch (RuntimeException e) {
                System.err.println("SqsFixture: stopping ElasticMQ failed: " + e);
            }
        }
    }
}
