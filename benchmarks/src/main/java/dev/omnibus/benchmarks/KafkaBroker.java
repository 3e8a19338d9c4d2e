package dev.omnibus.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * The Kafka broker of {@link KafkaLoadTool}: {@code OMNIBUS_KAFKA_BOOTSTRAP} (a
 * {@code bootstrap.servers} list) when set, else a single-node KRaft broker (broker and controller
 * in one node, Kafka's {@code KafkaClusterTestKit}) started in this JVM and configured as
 * bus-kafka's {@code KafkaFixture} configures it: replication factors and minimum ISR of the internal
 * topics 1, no initial rebalance delay, the latest production metadata version, no unstable APIs,
 * no automatic topic creation. {@link #close()} stops it and deletes its data directory.
 *
 * <p>The in-JVM broker shares the tool's JVM and cores: both sides of every comparison run against
 * it, so ratios stay meaningful, absolute rates do not. Not thread-safe; one per run.
 */
final class KafkaBroker implements AutoCloseable {
    static final String ENV = "OMNIBUS_KAFKA_BOOTSTRAP";

    private final String bootstrapServers;
    private final KafkaClusterTestKit cluster;
    private final Path dataDir;

    private KafkaBroker(String bootstrapServers, KafkaClusterTestKit cluster, Path dataDir) {
        this.bootstrapServers = bootstrapServers;
        this.cluster = cluster;
        this.dataDir = dataDir;
    }

    /** The broker named by {@code OMNIBUS_KAFKA_BOOTSTRAP}, else a new one in this JVM (a few seconds). */
    static KafkaBroker find() throws Exception {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return new KafkaBroker(env.trim(), null, null);
        }
        Path dir = Files.createTempDirectory("omnibus-kafka-load-");
        MetadataVersion version = MetadataVersion.LATEST_PRODUCTION;
        Map<String, Short> features = new TreeMap<>();
        for (Feature f : Feature.PRODUCTION_FEATURES) {
            features.put(f.featureName(), f.defaultLevel(version));
        }
        TestKitNodes nodes = new TestKitNodes.Builder(BootstrapMetadata.fromVersions(version, features, "omnibus-load"))
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(dir)
                .build();
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "5")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "5")
                .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .setConfigProp("unstable.api.versions.enable", "false")
                .setConfigProp("unstable.feature.versions.enable", "false")
                .build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception | LinkageError e) {
            cluster.close();
            delete(dir);
            throw e;
        }
        return new KafkaBroker(cluster.bootstrapServers(), cluster, dir);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** What the tool prints about its broker. */
    String describe() {
        return cluster == null ? bootstrapServers + " (from " + ENV + ")"
                : bootstrapServers + " (a KRaft broker in this JVM, Kafka " + org.apache.kafka.common.utils.AppInfoParser.getVersion() + ")";
    }

    @Override
    public void close() throws Exception {
        if (cluster != null) {
            try {
                cluster.close();
            } finally {
                delete(dataDir);
            }
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return; // the test kit removes its directories when it closes
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
