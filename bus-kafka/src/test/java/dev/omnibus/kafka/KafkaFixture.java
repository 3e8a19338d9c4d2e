package dev.omnibus.kafka;

import dev.omnibus.testing.RunIds;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the Kafka broker for the tests, in this order:
 * <ol>
 *   <li>{@code OMNIBUS_KAFKA_BOOTSTRAP} (a {@code bootstrap.servers} list) if set;</li>
 *   <li>a broker on {@code 127.0.0.1:9092} if one answers a metadata request there (a describe
 *       cluster, not only a TCP connect);</li>
 *   <li>else ONE single-node KRaft broker started in this JVM (broker and controller in one node,
 *       Kafka's {@code KafkaClusterTestKit}), lazily on first use, kept for the whole JVM and closed,
 *       its data directory deleted, by a shutdown hook. It starts in a few seconds.</li>
 * </ol>
 * If the in-JVM broker cannot start, the calling test fails with {@code -Domnibus.ci=true} (set by
 * the build when {@code CI=true}) and is skipped otherwise, with a message saying how to provide a
 * broker. The failure is remembered: later tests fail or skip at once instead of trying again.
 *
 * <p>The in-JVM broker is configured like a one-node production cluster: replication factors and
 * minimum ISR of the internal topics 1, no initial rebalance delay, the latest production metadata
 * version and feature levels (so {@code share.version=1}: share groups on), no unstable APIs, and
 * {@code auto.create.topics.enable=false}: the transport creates the topics it uses. One change
 * for speed: consumer-group (KIP-848) and share-group heartbeats every 0.5 s instead of 5 s, since a
 * new member gets its partitions only at a heartbeat.
 *
 * <p>Tests name their topics with a per-run prefix ({@code "orders-" + RunIds.next()}) and remove
 * them with {@link #deleteTopicsWithPrefix}, so runs sharing a broker never see each other's topics.
 * {@code KafkaClusterTestKit} is an internal Kafka API: this class is the only one that touches it.
 * Thread-safe.
 */
final class KafkaFixture {
    static final String ENV = "OMNIBUS_KAFKA_BOOTSTRAP";
    static final String LOCAL = "127.0.0.1:9092";

    private static final Logger log = LoggerFactory.getLogger(KafkaFixture.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration DELETE_TIMEOUT = Duration.ofSeconds(30);

    private static volatile String bootstrap;
    private static volatile AdminClient admin;
    /** Why the in-JVM broker could not start; set once, so later tests do not try again. */
    private static volatile String unavailable;
    /** Milliseconds the in-JVM broker took to format, start and become ready; -1 when none was started. */
    private static volatile long embeddedStartMillis = -1;

    static {
        // One hook for everything, so the order is fixed: the admin client, then the broker, then its files.
        Runtime.getRuntime().addShutdownHook(new Thread(KafkaFixture::closeAll, "omnibus-kafka-fixture-close"));
    }

    private KafkaFixture() {
    }

    /** The {@code bootstrap.servers} of the test broker; fails or aborts (skips) the calling test when there is none. */
    static String bootstrapServers() {
        String b = bootstrap;
        if (b != null) {
            return b;
        }
        synchronized (KafkaFixture.class) {
            if (bootstrap == null) {
                bootstrap = find();
            }
            return bootstrap;
        }
    }

    /**
     * One admin client to the test broker, shared by all tests of this JVM and closed at exit. Do
     * not close it.
     */
    static AdminClient admin() {
        AdminClient a = admin;
        if (a != null) {
            return a;
        }
        synchronized (KafkaFixture.class) {
            if (admin == null) {
                admin = AdminClient.create(Map.of(
                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                        AdminClientConfig.CLIENT_ID_CONFIG, "omnibus-test-admin"));
            }
            return admin;
        }
    }

    /**
     * Deletes the topics whose names start with {@code prefix}, and only those, then waits until the
     * broker no longer lists them. The prefix must contain an id this JVM handed out
     * ({@link RunIds#next()}), so a test can never delete topics that other runs or applications
     * on a shared broker are using.
     *
     * @throws IllegalArgumentException if the prefix carries no id of this run
     */
    static void deleteTopicsWithPrefix(String prefix) {
        if (prefix == null || prefix.isBlank() || !RunIds.ours(prefix)) {
            throw new IllegalArgumentException("the prefix must contain an id from RunIds.next() (got '" + prefix
                    + "'): it would delete topics this run did not create");
        }
        try {
            Set<String> doomed = topicsWithPrefix(prefix);
            if (doomed.isEmpty()) {
                return;
            }
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e : admin().deleteTopics(doomed).topicNameValues()
                    .entrySet()) {
                try {
                    e.getValue().get(DELETE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException gone) {
                    // deleted meanwhile (a bus deletes its reply topic when it stops): gone is what we want
                    if (!(gone.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                        throw gone;
                    }
                }
            }
            // The controller has committed the deletion; the broker's metadata follows shortly after.
            dev.omnibus.testing.Await.atMost(DELETE_TIMEOUT).pollingEvery(Duration.ofMillis(50))
                    .until("the deleted topics with prefix " + prefix + " no longer listed", () -> listed(prefix).isEmpty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while deleting the topics with prefix " + prefix, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not delete the topics with prefix " + prefix, e);
        }
    }

    private static Set<String> listed(String prefix) {
        try {
            return topicsWithPrefix(prefix);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not list topics", e);
        }
    }

    /** The names of the non-internal topics that start with {@code prefix}. */
    static Set<String> topicsWithPrefix(String prefix) throws InterruptedException, ExecutionException, TimeoutException {
        return admin().listTopics().names().get(DELETE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).stream()
                .filter(name -> name.startsWith(prefix))
                .collect(Collectors.toSet());
    }

    /** How long the in-JVM broker took to start, in milliseconds; -1 when this JVM uses another broker. */
    static long embeddedStartMillis() {
        return embeddedStartMillis;
    }

    private static String find() {
        if (unavailable != null) {
            return noBroker();
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            log.info("Kafka for the tests: {} (from {})", env.trim(), ENV);
            return env.trim();
        }
        if (answersMetadata(LOCAL)) {
            log.info("Kafka for the tests: the broker on {}", LOCAL);
            return LOCAL;
        }
        try {
            return Embedded.start();
        } catch (Exception | LinkageError e) {
            log.warn("the in-JVM Kafka broker did not start", e);
            unavailable = e.toString();
        }
        return noBroker();
    }

    /** Fails the calling test under CI, aborts (skips) it otherwise. */
    private static String noBroker() {
        String how = "No Kafka broker: the in-JVM KRaft broker did not start (" + unavailable + "); set " + ENV
                + "=host:port, or start a broker on " + LOCAL;
        if (Boolean.getBoolean("omnibus.ci")) {
            throw new AssertionError(how + " [CI=true: a missing broker fails the build]");
        }
        Assumptions.abort(how);
        return null;
    }

    /**
     * Whether a Kafka broker answers a describe-cluster request at {@code servers} within a few
     * seconds. A TCP connect first, so an empty port costs no admin client (and none of its
     * reconnect warnings).
     */
    private static boolean answersMetadata(String servers) {
        int colon = servers.lastIndexOf(':');
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(servers.substring(0, colon), Integer.parseInt(servers.substring(colon + 1))),
                    (int) PROBE_TIMEOUT.toMillis());
        } catch (IOException e) {
            return false;
        }
        int ms = (int) PROBE_TIMEOUT.toMillis();
        try (AdminClient probe = AdminClient.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                AdminClientConfig.CLIENT_ID_CONFIG, "omnibus-test-probe",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms,
                AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, (long) ms,
                AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, (long) ms))) {
            probe.describeCluster().clusterId().get(ms + 1000L, TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.info("something listens on {} but does not answer as a Kafka broker ({}): starting one in this JVM",
                    servers, e.toString());
            return false;
        }
    }

    private static void closeAll() {
        AdminClient a = admin;
        if (a != null) {
            try {
                a.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                System.err.println("KafkaFixture: closing the admin client failed: " + e);
            }
        }
        Embedded.stop();
    }

    /** The in-JVM broker; started at most once per JVM, by {@link #find()} under the class lock. */
    private static final class Embedded {
        private static volatile KafkaClusterTestKit cluster;
        private static volatile Path dataDir;

        static String start() throws Exception {
            long t0 = System.nanoTime();
            dataDir = Files.createTempDirectory("omnibus-kafka-");
            TestKitNodes nodes = new TestKitNodes.Builder(productionBootstrap())
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(dataDir)
                    .build();
            cluster = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "5")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "5")
                    .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                    .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                    .setConfigProp("share.coordinator.state.topic.num.partitions", "5")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    // A member of a consumer (KIP-848) or share group gets its partitions at its next
                    // heartbeat: 5 s by default, 0.5 s here so a test's consumer starts in well under a second.
                    .setConfigProp("group.consumer.heartbeat.interval.ms", "500")
                    .setConfigProp("group.consumer.min.heartbeat.interval.ms", "500")
                    .setConfigProp("group.share.heartbeat.interval.ms", "500")
                    .setConfigProp("group.share.min.heartbeat.interval.ms", "500")
                    .setConfigProp("auto.create.topics.enable", "false")
                    // what a released broker runs: the test kit enables unstable versions by default
                    .setConfigProp("unstable.api.versions.enable", "false")
                    .setConfigProp("unstable.feature.versions.enable", "false")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            String servers = cluster.bootstrapServers();
            embeddedStartMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            log.info("Kafka for the tests: a KRaft broker in this JVM at {}, ready in {} ms (data in {})",
                    servers, embeddedStartMillis, dataDir);
            return servers;
        }

        /**
         * Bootstrap metadata of a new production cluster: the latest production metadata version and
         * each feature at its default level for it. (The test kit's default is the latest testing
         * version, with unstable features.)
         */
        private static BootstrapMetadata productionBootstrap() {
            MetadataVersion version = MetadataVersion.LATEST_PRODUCTION;
            Map<String, Short> features = new TreeMap<>();
            for (Feature f : Feature.PRODUCTION_FEATURES) {
                features.put(f.featureName(), f.defaultLevel(version));
            }
            return BootstrapMetadata.fromVersions(version, features, "omnibus-tests");
        }

        /** Closes the broker, if one was started, and deletes its data directory. */
        static void stop() {
            try {
                if (cluster != null) {
                    cluster.close();
                }
            } catch (Exception e) {
                System.err.println("KafkaFixture: closing the in-JVM broker failed: " + e);
            } finally {
                deleteRecursively(dataDir);
            }
        }

        private static void deleteRecursively(Path dir) {
            if (dir == null || !Files.exists(dir)) {
                return;
            }
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.err.println("KafkaFixture: could not delete " + dir + ": " + e);
            }
        }
    }
}
