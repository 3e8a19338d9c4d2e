package dev.omnibus.kafka;

import dev.omnibus.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport's admin work: creating the topics it names (once per topic and transport), fixing a
 * new consumer group's start position, deleting reply topics. Calls block the caller for at most 30 s
 * each and happen at endpoint start or on the first message to a topic, never per message after that.
 */
final class Topics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Topics.class);
    private static final long TIMEOUT_S = 30;

    private final KafkaSettings settings;
    private final Admin admin;
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    Topics(KafkaSettings settings, Properties properties) {
        this.settings = settings;
        this.admin = Admin.create(properties);
    }

    /** The cluster id; fails with a clear error when no broker answers. */
    String clusterId() {
        return get(admin.describeCluster().clusterId(), "connecting to Kafka at " + settings.bootstrapServers());
    }

    /** Creates those of {@code names} that do not exist yet, with {@code partitions} partitions. */
    void ensure(Collection<String> names, int partitions) {
        List<NewTopic> missing = new ArrayList<>();
        for (String n : names) {
            if (!known.contains(n)) {
                missing.add(new NewTopic(n, Optional.of(partitions), settings.replicationFactor() > 0
                        ? Optional.of(settings.replicationFactor()) : Optional.empty()));
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        Map<String, KafkaFuture<Void>> results = admin.createTopics(missing).values();
        List<String> created = new ArrayList<>();
        for (Map.Entry<String, KafkaFuture<Void>> e : results.entrySet()) {
            try {
                e.getValue().get(TIMEOUT_S, TimeUnit.SECONDS);
                created.add(e.getKey());
                LOG.debug("Created topic {}", e.getKey());
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw new TransportException("creating topic " + e.getKey() + " failed: " + ex.getCause(), ex.getCause(),
                            true);
                }
            } catch (TimeoutException ex) {
                throw new TransportException("creating topic " + e.getKey() + " took longer than " + TIMEOUT_S + " s", ex, true);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new TransportException("interrupted while creating topic " + e.getKey(), ex, true);
            }
        }
        awaitLeaders(new ArrayList<>(results.keySet())); // also one another process created a moment ago
        for (Map.Entry<String, KafkaFuture<Void>> e : results.entrySet()) {
            known.add(e.getKey());
        }
    }

    /**
     * Waits (up to 30 s) until every partition of topics created a moment ago answers a request only
     * its leader serves ({@code ListOffsets}). {@code createTopics} returns before the leaders are
     * ready, and an idempotent producer's first batch to a partition whose leader is not ready can be
     * stranded: a later batch of the same producer is appended first and every retry of the first then
     * fails with {@code OUT_OF_ORDER_SEQUENCE_NUMBER} until its delivery timeout (KAFKA-15591;
     * {@code KafkaNewTopicSendTest}). Describing the topic is not enough: the metadata names the leader
     * before it serves.
     */
    private void awaitLeaders(List<String> created) {
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        for (TopicDescription d : describe(created).values()) {
            d.partitions().forEach(p -> partitions.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
        }
        retrying(() -> admin.listOffsets(partitions).all(), cause -> true,
                "waiting for the leaders of new topics " + created);
    }

    /**
     * {@code call}'s result, calling again every 20 ms while it fails with a cause {@code retryable}
     * accepts, up to 30 s in all: a topic created a moment ago reaches the broker's metadata, and its
     * partitions' leaders, a little later.
     */
    private <T> T retrying(java.util.function.Supplier<KafkaFuture<T>> call,
            java.util.function.Predicate<Throwable> retryable, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (true) {
            try {
                return call.get().get(TIMEOUT_S, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!retryable.test(e.getCause()) || System.nanoTime() > deadline) {
                    throw new TransportException(what + " failed: " + e.getCause(), e.getCause(), true);
                }
            } catch (TimeoutException e) {
                throw new TransportException(what + " took longer than " + TIMEOUT_S + " s", e, true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransportException("interrupted while " + what, e, true);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20); // a backoff bounded above by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransportException("interrupted while " + what, e, true);
            }
        }
    }

    /**
     * Gives consumer group {@code group} a committed position where it has none: at the start of
     * {@code own} (the endpoint's own topic: what was sent to an endpoint before it first ran is for
     * it, as in a durable queue) and at the end of every partition of {@code published} (a new
     * subscriber does not receive what was published before it subscribed, as with a broker's
     * bindings). Nothing written after this call is missed, however late the member joins. A group
     * with members already is left alone (they fixed their positions when they started).
     */
    void pinNewGroup(String group, String own, Collection<String> published) {
        Map<TopicPartition, OffsetAndMetadata> committed = get(
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(), "reading the positions of group " + group);
        List<String> all = new ArrayList<>(published);
        all.add(own);
        Map<String, TopicDescription> described = describe(all);
        Map<TopicPartition, OffsetSpec> unpinned = new HashMap<>();
        for (TopicDescription d : described.values()) {
            d.partitions().forEach(p -> {
                TopicPartition tp = new TopicPartition(d.name(), p.partition());
                if (committed.get(tp) == null) {
                    unpinned.put(tp, d.name().equals(own) ? OffsetSpec.earliest() : OffsetSpec.latest());
                }
            });
        }
        if (unpinned.isEmpty()) {
            return;
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = get(admin.listOffsets(unpinned).all(),
                "reading the offsets of " + all);
        Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
        ends.forEach((tp, info) -> positions.put(tp, new OffsetAndMetadata(info.offset())));
        try {
            admin.alterConsumerGroupOffsets(group, positions).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupNotEmptyException
                    || e.getCause() instanceof org.apache.kafka.common.errors.UnknownMemberIdException) {
                LOG.debug("Group {} has members already; its positions are theirs to fix", group);
                return;
            }
            throw new TransportException("fixing the start positions of group " + group + " failed: " + e.getCause(),
                    e.getCause(), true);
        } catch (TimeoutException e) {
            throw new TransportException("fixing the start positions of group " + group + " timed out", e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while fixing the start positions of group " + group, e, true);
        }
    }

    /**
     * The share-group counterpart of {@link #pinNewGroup}: gives share group {@code group} a start
     * offset where it has none, at the start of {@code own} and at the end of every partition of
     * {@code published} ({@code Admin.alterShareGroupOffsets}). A group with members already is left
     * alone. Without this a share group starts every partition at its end (the group config
     * {@code share.auto.offset.reset} defaults to {@code latest}), and what was sent to the endpoint
     * before its first member joined would never be read.
     */
    void pinNewShareGroup(String group, String own, Collection<String> published) {
        Map<TopicPartition, org.apache.kafka.clients.admin.SharePartitionOffsetInfo> started;
        try {
            started = admin.listShareGroupOffsets(Map.of(group, new org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec()))
                    .partitionsToOffsetInfo(group).get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
                throw new TransportException("reading the start offsets of share group " + group + " failed: " + e.getCause(),
                        e.getCause(), true);
            }
            started = Map.of();
        } catch (TimeoutException e) {
            throw new TransportException("reading the start offsets of share group " + group + " timed out", e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while reading the start offsets of share group " + group, e, true);
        }
        List<String> all = new ArrayList<>(published);
        all.add(own);
        Map<TopicPartition, OffsetSpec> unpinned = new HashMap<>();
        for (TopicDescription d : describe(all).values()) {
            for (var p : d.partitions()) {
                TopicPartition tp = new TopicPartition(d.name(), p.partition());
                if (started == null || started.get(tp) == null) {
                    unpinned.put(tp, d.name().equals(own) ? OffsetSpec.earliest() : OffsetSpec.latest());
                }
            }
        }
        if (unpinned.isEmpty()) {
            return;
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = get(admin.listOffsets(unpinned).all(),
                "reading the offsets of " + all);
        Map<TopicPartition, Long> positions = new HashMap<>();
        ends.forEach((tp, info) -> positions.put(tp, info.offset()));
        try {
            admin.alterShareGroupOffsets(group, positions).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupNotEmptyException) {
                LOG.debug("Share group {} has members already; its start offsets are theirs", group);
                return;
            }
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException && consumerGroupExists(group)) {
                throw new TransportException("the endpoint's share group cannot be made: a consumer group " + group
                        + " exists (the endpoint ran without queue mode before). Delete that group once its positions no "
                        + "longer matter (kafka-consumer-groups.sh --delete --group " + group + "), or give the queue-mode "
                        + "endpoint another name", e.getCause(), false);
            }
            throw new TransportException("fixing the start offsets of share group " + group + " failed: " + e.getCause(),
                    e.getCause(), true);
        } catch (TimeoutException e) {
            throw new TransportException("fixing the start offsets of share group " + group + " timed out", e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while fixing the start offsets of share group " + group, e, true);
        }
    }

    /** Sets group configs of share group {@code group} ({@code share.auto.offset.reset}, …). */
    void configureGroup(String group, Map<String, String> configs) {
        List<org.apache.kafka.clients.admin.AlterConfigOp> ops = new ArrayList<>();
        configs.forEach((k, v) -> ops.add(new org.apache.kafka.clients.admin.AlterConfigOp(
                new org.apache.kafka.clients.admin.ConfigEntry(k, v), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)));
        get(admin.incrementalAlterConfigs(Map.of(new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.GROUP, group), ops)).all(),
                "setting " + configs + " on group " + group);
    }

    /**
     * The descriptions of {@code topics}, waiting (up to 30 s) for topics created a moment ago to
     * reach the broker's metadata: {@code createTopics} returns before every broker knows them.
     */
    Map<String, TopicDescription> describe(Collection<String> topics) {
        return retrying(() -> admin.describeTopics(topics).allTopicNames(),
                cause -> cause instanceof UnknownTopicOrPartitionException, "describing topics " + topics);
    }

    /** Whether topic {@code name} exists (asked once: a topic created a moment ago may not show yet). */
    boolean exists(String name) {
        try {
            return admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS).contains(name);
        } catch (ExecutionException | TimeoutException e) {
            throw new dev.omnibus.TransportException("listing Kafka topics failed: " + e, e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.omnibus.TransportException("interrupted while listing Kafka topics", e, true);
        }
    }

    /** Whether a (classic or consumer-protocol) consumer group named {@code group} exists. */
    private boolean consumerGroupExists(String group) {
        try {
            var d = admin.describeConsumerGroups(List.of(group)).all().get(TIMEOUT_S, TimeUnit.SECONDS).get(group);
            return d != null && d.groupState() != org.apache.kafka.common.GroupState.DEAD;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Deletes {@code names} (reply topics), logging rather than failing: the bus is stopping. */
    void delete(Collection<String> names) {
        try {
            admin.deleteTopics(names).all().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Deleting reply topics {} failed: {}", names, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T get(KafkaFuture<T> f, String what) {
        try {
            return f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            String tls = dev.omnibus.spi.TlsFailures.explain(e.getCause()); // the JDK's words name no fix
            throw new TransportException(what + " failed: " + (tls != null ? tls + "; " : "") + e.getCause(), e.getCause(),
                    tls == null);
        } catch (TimeoutException e) {
            throw new TransportException(what + " took longer than " + TIMEOUT_S + " s (is a broker reachable?)", e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while " + what, e, true);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
