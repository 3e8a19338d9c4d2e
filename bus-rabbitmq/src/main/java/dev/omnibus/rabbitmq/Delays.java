package dev.omnibus.rabbitmq;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one transport delays messages on its broker ({@link DelayedDelivery}): with the
 * delayed-message exchange plugin (exchange {@code <target>_delay}, header {@code x-delay}) or with
 * a fixed set of wait queues shared by every target and delay: {@value #LEVELS} levels, level
 * {@code k} a queue whose messages all wait {@code 2^k} ms (one TTL per queue, so they expire in
 * order and none waits behind a longer one). A message's routing key spells its delay in binary,
 * highest bit first, then its target ({@code 0.1.1.…​.0.orders}); level {@code k}'s topic exchange
 * sends it through its queue when bit {@code k} is set and straight on to level {@code k-1} when not,
 * and the last level's dead-letters reach {@value #DELIVER}, bound to each target's exchange by the
 * target part of the key. So a delay of {@code d} ms waits exactly {@code d} ms through at most
 * {@value #LEVELS} hops, and the broker holds {@value #LEVELS} queues and {@code LEVELS + 1} exchanges
 * whatever the delays (the scheme NServiceBus uses, in milliseconds). With
 * {@link DelayedDelivery#AUTO} the plugin is detected once per broker per JVM, on a short-lived
 * connection of its own, because declaring an {@code x-delayed-message} exchange on a broker
 * without the plugin closes the connection it was declared on. Thread-safe.
 */
final class Delays {
    /** The transport's logger: the delay mode is reported under it, as before this class existed. */
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqTransport.class);
    /** Whether each broker (by endpoint) has the delayed-message plugin: probed once per JVM. */
    private static final Map<String, Boolean> PLUGIN_BY_BROKER = new ConcurrentHashMap<>();
    /** RabbitMQ's largest {@code x-message-ttl}, {@code x-expires} and per-message expiration: 2^32-1 ms. */
    static final long MAX_EXPIRY_MILLIS = 0xFFFF_FFFFL;
    /** Delay levels: 2^0 … 2^31 ms, so any delay up to {@link #MAX_EXPIRY_MILLIS}. */
    static final int LEVELS = 32;
    /** The exchange (and queue) of level {@code k} is this prefix and {@code k}. */
    static final String LEVEL_PREFIX = "omnibus.delay.";
    /** Where the last level's messages go: bound to each target's exchange. */
    static final String DELIVER = "omnibus.delay.deliver";
    /** The longest target name a routing key holds after the delay's bits (255 bytes in all). */
    static final int MAX_TARGET_BYTES = 255 - 2 * LEVELS;

    /** How long after a probe that could not reach the broker the next delay probes again. */
    static final long PROBE_RETRY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    private final RabbitMqSettings settings;
    private volatile Boolean plugin;
    private long nextProbeNanos; // guarded by this: after a probe that could not reach the broker
    private volatile boolean levelsDeclared;
    private final java.util.Set<String> deliveredTargets = ConcurrentHashMap.newKeySet();

    Delays(RabbitMqSettings settings) {
        this.settings = settings;
        if (settings.delayedDelivery() == DelayedDelivery.WAIT_QUEUES) {
            plugin = false;
        } else if (settings.delayedDelivery() == DelayedDelivery.PLUGIN) {
            plugin = true;
        }
    }

    /**
     * Whether to delay with the delayed-message exchange plugin; detected once, on a connection of
     * its own made from {@code factory} (the transport's, which is cloned, not changed).
     */
    boolean usePlugin(ConnectionFactory factory) {
        Boolean known = plugin;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (plugin != null) {
                return plugin;
            }
            Boolean found = PLUGIN_BY_BROKER.get(settings.endpoint());
            if (found == null) {
                if (nextProbeNanos != 0 && System.nanoTime() - nextProbeNanos < 0) {
                    return false; // the last probe could not reach the broker: wait levels until the next one
                }
                found = probe(factory);
                if (found == null) { // not an answer: never cached, asked again after PROBE_RETRY_NANOS
                    nextProbeNanos = System.nanoTime() + PROBE_RETRY_NANOS;
                    LOG.warn("RabbitMQ at {}: could not probe for the delayed-message plugin; delays use the wait levels "
                            + "and the probe is tried again in 30 s", settings.endpoint());
                    return false;
                }
                PLUGIN_BY_BROKER.putIfAbsent(settings.endpoint(), found);
            }
            plugin = found;
            LOG.info("RabbitMQ at {}: delayed messages use {}", settings.endpoint(),
                    found ? "the delayed-message exchange plugin" : "wait levels with TTL and dead-lettering "
                            + "(no delayed-message exchange plugin)");
            return found;
        }
    }

    /** Declares the plugin's delayed exchange bound to {@code target}'s exchange; returns its name. */
    static String declarePluginExchange(Topology topology, String target) throws IOException {
        String exchange = ExchangeNames.fit(target + "_delay");
        topology.declare(ch -> {
            ch.exchangeDeclare(exchange, "x-delayed-message", true, false, Map.of("x-delayed-type", Topology.FANOUT));
            ch.exchangeBind(target, exchange, "");
        });
        return exchange;
    }

    /** A publish into the wait levels: to {@code exchange} with {@code routingKey}. */
    record Route(String exchange, String routingKey) {
    }

    /**
     * The route that delays a message for {@code target} by {@code delayMillis} (1 to
     * {@link #MAX_EXPIRY_MILLIS}), declaring the levels the first time and {@code target}'s binding
     * from {@link #DELIVER} the first time it is delayed to.
     */
    Route route(Topology topology, String target, long delayMillis) throws IOException {
        if (target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_TARGET_BYTES) {
            throw new dev.omnibus.TransportException("a delay to '" + target + "' cannot be routed through the wait levels: "
                    + "the name is over " + MAX_TARGET_BYTES + " bytes (a routing key holds 255)", null, false);
        }
        if (!levelsDeclared) {
            declareLevels(topology);
        }
        if (deliveredTargets.add(target)) {
            try {
                topology.declare(ch -> ch.exchangeBind(target, DELIVER, "*.".repeat(LEVELS) + target));
            } catch (IOException | RuntimeException e) {
                deliveredTargets.remove(target);
                throw e;
            }
        }
        return new Route(LEVEL_PREFIX + (LEVELS - 1), routingKey(delayMillis, target));
    }

    /** {@code delayMillis} in binary, highest level first, one word per level, then {@code target}. */
    static String routingKey(long delayMillis, String target) {
        StringBuilder b = new StringBuilder(2 * LEVELS + target.length());
        for (int k = LEVELS - 1; k >= 0; k--) {
            b.append((delayMillis >>> k & 1) == 1 ? '1' : '0').append('.');
        }
        return b.append(target).toString();
    }

    /** The binding pattern of level {@code k} for messages whose bit {@code k} is {@code bit}. */
    static String levelPattern(int k, char bit) {
        return "*.".repeat(LEVELS - 1 - k) + bit + ".#";
    }

    private synchronized void declareLevels(Topology topology) throws IOException {
        if (levelsDeclared) {
            return;
        }
        topology.declare(ch -> {
            ch.exchangeDeclare(DELIVER, "topic", true);
            for (int k = 0; k < LEVELS; k++) { // from the bottom: each level's next one exists first
                String level = LEVEL_PREFIX + k;
                String next = k == 0 ? DELIVER : LEVEL_PREFIX + (k - 1);
                ch.exchangeDeclare(level, "topic", true);
                Map<String, Object> args = new HashMap<>();
                args.put("x-message-ttl", 1L << k);
                args.put("x-dead-letter-exchange", next); // the routing key stays: the next level reads the next bit
                args.put("x-queue-type", "classic");
                ch.queueDeclare(level, true, false, false, args);
                ch.queueBind(level, level, levelPattern(k, '1'));
                ch.exchangeBind(next, level, levelPattern(k, '0'));
            }
        });
        levelsDeclared = true;
    }

    /**
     * Whether the broker behind {@code factory} has the delayed-message plugin: true or false when it
     * answered, null when it could not be asked (no connection, a timeout): a transient failure that
     * must not be remembered as "no plugin".
     */
    static Boolean probe(ConnectionFactory factory) {
        ConnectionFactory probe = factory.clone();
        probe.setAutomaticRecoveryEnabled(false);
        probe.setTopologyRecoveryEnabled(false);
        probe.setExceptionHandler(new com.rabbitmq.client.impl.ForgivingExceptionHandler() {
            @Override
            public void handleUnexpectedConnectionDriverException(Connection conn, Throwable exception) {
                // the broker closes the probe connection when the plugin is missing: expected
            }
        });
        String exchange = "omnibus.delay-probe." + Long.toHexString(ThreadLocalRandom.current().nextLong());
        Connection c;
        try {
            c = probe.newConnection("omnibus:delay-plugin-probe");
        } catch (IOException | TimeoutException | RuntimeException e) {
            LOG.debug("delayed-message plugin probe could not connect: {}", e.toString());
            return null; // not an answer
        }
        try {
            var ch = c.createChannel();
            ch.exchangeDeclare(exchange, "x-delayed-message", false, true, Map.of("x-delayed-type", Topology.FANOUT));
            ch.exchangeDelete(exchange);
            return true;
        } catch (IOException | RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof com.rabbitmq.client.ShutdownSignalException s && !s.isInitiatedByApplication()) {
                    LOG.debug("delayed-message plugin probe: the broker refused the exchange type ({})", s.getMessage());
                    return false; // the broker answered: no plugin
                }
            }
            LOG.debug("delayed-message plugin probe failed without an answer: {}", e.toString());
            return null;
        } finally {
            try {
                c.close();
            } catch (IOException | RuntimeException ignored) {
                // closed by the broker already (no plugin)
            }
        }
    }
}
