package dev.omnibus.rabbitmq;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.omnibus.TransportException;
import dev.omnibus.spi.EndpointTopology;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Declares exchanges, queues and bindings on one connection. Declarations go through one
 * long-lived channel, so the client's topology recovery (which replays a declaration on the
 * channel that made it) can replay them after a reconnect. Anything that may fail (a passive
 * check, a queue whose arguments may differ from an existing one) is first tried on a throwaway
 * channel, because a failed declaration closes the channel it was made on. Thread-safe: one
 * declaration at a time (declarations are rare; publishing does not wait on this lock once a
 * destination is known).
 */
final class Topology {
    private static final Logger LOG = LoggerFactory.getLogger(Topology.class);
    /** The type of every exchange the transport declares (MassTransit's topology). */
    static final String FANOUT = BuiltinExchangeType.FANOUT.getType();

    /** Something done with a channel. */
    @FunctionalInterface
    interface ChannelAction {
        void run(Channel channel) throws IOException;
    }

    private final Connection connection;
    private Channel channel;

    Topology(Connection connection) {
        this.connection = connection;
    }

    /** Runs {@code action} on the long-lived declaring channel. */
    synchronized void declare(ChannelAction action) throws IOException {
        if (channel == null || !channel.isOpen()) {
            if (channel != null) {
                LOG.warn("RabbitMQ topology channel was closed ({}); opening a new one", channel.getCloseReason());
            }
            channel = connection.createChannel();
        }
        action.run(channel);
    }

    /** Runs {@code action} on a throwaway channel; false if the broker refused it (the reason is in {@code why}). */
    boolean probe(ChannelAction action, StringBuilder why) {
        Channel ch = null;
        try {
            ch = connection.createChannel();
            action.run(ch);
            return true;
        } catch (IOException e) {
            if (why != null) {
                why.append(reason(e));
            }
            return false;
        } finally {
            if (ch != null && ch.isOpen()) {
                try {
                    ch.close();
                } catch (IOException | TimeoutException | RuntimeException e) {
                    LOG.debug("closing a probe channel failed", e);
                }
            }
        }
    }

    /** Runs {@code action} on a throwaway channel, then (it worked) on the declaring channel; else fails with the broker's reason. */
    void checkThenDeclare(String what, ChannelAction action) throws IOException {
        StringBuilder why = new StringBuilder();
        if (!probe(action, why)) {
            throw new TransportException("RabbitMQ refused to declare " + what + ": " + why, null, false);
        }
        declare(action);
    }

    synchronized void close() {
        if (channel != null) {
            Publisher.closeQuietly(channel);
        }
    }

    /**
     * Declares a receive endpoint: its queue and exchange (bound), an exchange per consumed message
     * type bound to it, and for a durable endpoint its {@code _error} and {@code _skipped} queues with
     * their exchanges. A {@link EndpointTopology.Kind#REPLY reply} endpoint (one bus instance's response
     * queue) is temporary: its queue and exchange are not durable and auto-delete, the queue expiring
     * {@code temporaryExpiry} after its last consumer, and it has no {@code _error}/{@code _skipped}.
     * The broker routes ({@code Routing.BROKER}), so the endpoint is bound to {@code consumedUrns()},
     * interfaces included; {@code concreteUrns()} is not needed.
     */
    static ChannelAction endpoint(EndpointTopology topology, QueueOptions options, Duration temporaryExpiry) {
        String name = topology.name();
        boolean temporary = switch (topology.kind()) {
            case REPLY -> true; // one bus instance's reply queue: removed with it
            case DURABLE -> false;
        };
        return ch -> {
            if (temporary) {
                Map<String, Object> args = new HashMap<>();
                args.put("x-expires", (int) temporaryExpiry.toMillis());
                ch.queueDeclare(name, false, false, true, args);
                ch.exchangeDeclare(name, FANOUT, false, true, null);
            } else {
                ch.queueDeclare(name, true, false, false, options.queueArguments());
                ch.exchangeDeclare(name, FANOUT, true, false, null);
            }
            ch.queueBind(name, name, "");
            for (String urn : topology.consumedUrns()) {
                String exchange = ExchangeNames.forUrn(urn);
                ch.exchangeDeclare(exchange, FANOUT, true, false, null);
                ch.exchangeBind(name, exchange, "");
            }
            if (!temporary) {
                for (String dead : List.of(topology.errorQueue(), topology.skippedQueue())) {
                    ch.queueDeclare(dead, true, false, false, options.deadLetterQueueArguments());
                    ch.exchangeDeclare(dead, FANOUT, true, false, null);
                    ch.queueBind(dead, dead, "");
                }
            }
        };
    }

    /**
     * Declares a message type's exchange ({@code exchange}, for {@code urns.get(0)}) and binds the
     * exchange of each further URN (its interfaces and supertypes) to it.
     */
    static ChannelAction messageType(String exchange, List<String> urns) {
        return ch -> {
            ch.exchangeDeclare(exchange, FANOUT, true, false, null);
            for (int i = 1; i < urns.size(); i++) {
                String iface = ExchangeNames.forUrn(urns.get(i));
                ch.exchangeDeclare(iface, FANOUT, true, false, null);
                ch.exchangeBind(iface, exchange, "");
            }
        };
    }

    /** The broker's words for why a channel operation failed. */
    static String reason(Throwable e) {
        Throwable t = e;
        while (t != null) {
            if (t instanceof com.rabbitmq.client.ShutdownSignalException s) {
                Object r = s.getReason();
                if (r instanceof com.rabbitmq.client.AMQP.Channel.Close c) {
                    return c.getReplyCode() + " " + c.getReplyText();
                }
                if (r instanceof com.rabbitmq.client.AMQP.Connection.Close c) {
                    return c.getReplyCode() + " " + c.getReplyText();
                }
                return String.valueOf(s.getMessage());
            }
            t = t.getCause();
        }
        return String.valueOf(e);
    }
}
