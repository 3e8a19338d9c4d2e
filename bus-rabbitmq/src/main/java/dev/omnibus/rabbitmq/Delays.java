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
 * wait queues ({@code <target>_delay_<ms>}, a TTL that dead-letters into the target). With
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

    private final RabbitMqSettings settings;
    private volatile Boolean plugin;

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
            if (plugin == null) {
                plugin = PLUGIN_BY_BROKER.computeIfAbsent(settings.endpoint(), k -> probe(factory));
                LOG.info("RabbitMQ at {}: delayed messages use {}", settings.endpoint(),
                        plugin ? "the delayed-message exchange plugin" : "wait queues with TTL and dead-lettering "
                                + "(no delayed-message exchange plugin)");
            }
            return plugin;
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

    /**
     * Declares the wait queue that holds messages for {@code target} for {@code delayMillis}, then
     * dead-letters them into its exchange; returns its name. Declared on every use: a declaration
     * renews the queue's {@code x-expires} lease, which must outlive the message.
     */
    String declareWaitQueue(Topology topology, String target, long delayMillis) throws IOException {
        String waitQueue = ExchangeNames.fit(target + "_delay_" + delayMillis + "ms");
        Map<String, Object> args = new HashMap<>();
        args.put("x-message-ttl", delayMillis);
        args.put("x-dead-letter-exchange", target);
        args.put("x-expires", delayMillis + settings.temporaryQueueExpiry().toMillis());
        args.put("x-queue-type", "classic");
        topology.declare(ch -> ch.queueDeclare(waitQueue, true, false, false, args));
        return waitQueue;
    }

    private static boolean probe(ConnectionFactory factory) {
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
        try (Connection c = probe.newConnection("omnibus:delay-plugin-probe")) {
            var ch = c.createChannel();
            ch.exchangeDeclare(exchange, "x-delayed-message", false, true, Map.of("x-delayed-type", Topology.FANOUT));
            ch.exchangeDelete(exchange);
            return true;
        } catch (IOException | TimeoutException | RuntimeException e) {
            LOG.debug("delayed-message plugin probe failed: {}", e.toString());
            return false;
        }
    }
}
