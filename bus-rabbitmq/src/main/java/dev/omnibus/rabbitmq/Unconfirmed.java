package dev.omnibus.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;
import dev.omnibus.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One publishing channel and the publishes written on it that the broker has not confirmed yet, keyed
 * by sequence number; it listens to the channel's acks, nacks, returns and shutdown. Futures complete
 * on the {@code completions} executor, never on the connection's I/O thread. When the channel closes
 * every waiting future fails, except after a {@code 404 NOT_FOUND} for an exchange: then only the
 * publishes to that exchange fail (naming it), the exchange is reported ({@code exchangeGone}), and the
 * others are handed to {@code writeAgain}, in order, to be written on a fresh channel.
 */
final class Unconfirmed {
    private static final Logger LOG = LoggerFactory.getLogger(Unconfirmed.class);
    /** The returned flag of every publish that is not mandatory (handleReturn marks mandatory ones only). */
    private static final boolean[] NEVER_RETURNED = new boolean[1];
    private static final Pattern NO_EXCHANGE = Pattern.compile("no exchange '(.*)' in vhost '");

    /** A publish written and not yet confirmed; what it was, so it can be written again on a fresh channel. */
    record Pending(CompletableFuture<Void> future, String exchange, String routingKey, boolean mandatory,
            AMQP.BasicProperties props, byte[] body, long startNanos, boolean[] returned) {
        String messageId() {
            return props.getMessageId();
        }
    }

    final Channel channel;
    /** Replaced (not cleared) when the channel shuts down, so a publisher can tell its entry was taken. */
    volatile ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
    private final int index;
    private final Executor completions;
    private final Consumer<String> exchangeGone;
    private final Consumer<List<Pending>> writeAgain;

    Unconfirmed(Channel channel, int index, Executor completions, Consumer<String> exchangeGone,
            Consumer<List<Pending>> writeAgain) {
        this.channel = channel;
        this.index = index;
        this.completions = completions;
        this.exchangeGone = exchangeGone;
        this.writeAgain = writeAgain;
        channel.addConfirmListener(new ConfirmListener() {
            @Override
            public void handleAck(long seq, boolean multiple) {
                settle(seq, multiple, null);
            }

            @Override
            public void handleNack(long seq, boolean multiple) {
                settle(seq, multiple, "the broker refused the message (basic.nack)");
            }
        });
        channel.addReturnListener(this::handleReturn);
        channel.addShutdownListener(this::handleShutdown);
    }

    /** Records a publish about to be written under {@code seq}; the map it went into. */
    ConcurrentNavigableMap<Long, Pending> add(long seq, CompletableFuture<Void> f, String exchange, String routingKey,
            boolean mandatory, AMQP.BasicProperties props, byte[] body) {
        ConcurrentNavigableMap<Long, Pending> map = pending;
        // only a mandatory publish can be returned: the others share one flag that is never set
        map.put(seq, new Pending(f, exchange, routingKey, mandatory, props, body, System.nanoTime(),
                mandatory ? new boolean[1] : NEVER_RETURNED));
        return map;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    private void settle(long seq, boolean multiple, String nack) {
        ConcurrentNavigableMap<Long, Pending> map = pending;
        List<Pending> done;
        if (multiple) {
            ConcurrentNavigableMap<Long, Pending> head = map.headMap(seq, true);
            done = new ArrayList<>();
            Map.Entry<Long, Pending> e;
            while ((e = head.pollFirstEntry()) != null) {
                done.add(e.getValue());
            }
        } else {
            Pending p = map.remove(seq);
            done = p == null ? List.of() : List.of(p);
        }
        if (!done.isEmpty()) {
            completions.execute(() -> {
                for (Pending p : done) {
                    if (nack != null) {
                        p.future().completeExceptionally(new TransportException(nack + " for exchange '" + p.exchange() + "'", null, true));
                    } else if (p.returned()[0]) {
                        p.future().completeExceptionally(new TransportException("unroutable: no queue is bound to exchange '"
                                + p.exchange() + "', the broker returned the message", null, true));
                    } else {
                        p.future().complete(null);
                    }
                }
            });
        }
    }

    /** A basic.return comes before the ack of the same message: mark the earliest matching one. */
    private void handleReturn(Return r) {
        String messageId = r.getProperties() == null ? null : r.getProperties().getMessageId();
        for (Pending p : pending.values()) {
            if (p.mandatory() && !p.returned()[0] && p.exchange().equals(r.getExchange())
                    && Objects.equals(p.messageId(), messageId)) {
                p.returned()[0] = true;
                break;
            }
        }
        LOG.warn("RabbitMQ returned message {} published to exchange '{}': {} {}", messageId, r.getExchange(),
                r.getReplyCode(), r.getReplyText());
    }

    /** Connection lost or channel closed: the sequence numbers start again, so settle what is waiting now. */
    private void handleShutdown(ShutdownSignalException cause) {
        ConcurrentNavigableMap<Long, Pending> old = pending;
        pending = new ConcurrentSkipListMap<>();
        String missing = missingExchange(cause);
        if (missing != null) {
            failOnly(old, missing, cause);
            return;
        }
        String why = cause.isInitiatedByApplication() ? "the channel was closed"
                : "the " + (cause.isHardError() ? "connection" : "channel") + " was closed by the broker or network ("
                        + cause.getMessage() + ")";
        failAll(old, why);
    }

    /**
     * The broker closed the channel because exchange {@code missing} does not exist: its publishes
     * fail, naming it; the others were not refused, so they are written again on a fresh channel.
     */
    private void failOnly(ConcurrentNavigableMap<Long, Pending> map, String missing, ShutdownSignalException cause) {
        List<Pending> gone = new ArrayList<>();
        List<Pending> again = new ArrayList<>();
        Map.Entry<Long, Pending> e;
        while ((e = map.pollFirstEntry()) != null) {
            (e.getValue().exchange().equals(missing) ? gone : again).add(e.getValue());
        }
        LOG.warn("RabbitMQ publish channel {}: exchange '{}' does not exist ({}); failing its {} publish(es), writing "
                + "the {} other unconfirmed one(s) again on a new channel", index, missing, Topology.reason(cause),
                gone.size(), again.size());
        completions.execute(() -> {
            exchangeGone.accept(missing);
            TransportException err = new TransportException("the destination exchange '" + missing + "' does not exist "
                    + "on the broker (404 NOT_FOUND: deleted after it was declared?); the message was not published. "
                    + "The next publish to it declares it again", null, true);
            gone.forEach(p -> p.future().completeExceptionally(err));
            if (!again.isEmpty()) {
                writeAgain.accept(again);
            }
        });
    }

    /** Fails every publish waiting for its confirm (the transport closes). */
    void failAll(String why) {
        failAll(pending, why);
    }

    private void failAll(ConcurrentNavigableMap<Long, Pending> map, String why) {
        List<Pending> failed = new ArrayList<>();
        Map.Entry<Long, Pending> e;
        while ((e = map.pollFirstEntry()) != null) {
            failed.add(e.getValue());
        }
        if (failed.isEmpty()) {
            return;
        }
        LOG.warn("RabbitMQ publish channel {}: {}; failing {} publish(es) not yet confirmed (they may or may not "
                + "have reached the broker)", index, why, failed.size());
        completions.execute(() -> failed.forEach(p -> p.future().completeExceptionally(
                Publisher.lost(why + " before the broker confirmed the message to exchange '" + p.exchange() + "'", null))));
    }

    /** Fails every publish waiting longer than {@code timeoutNanos} for its confirm. */
    void expireOverdue(long now, long timeoutNanos) {
        ConcurrentNavigableMap<Long, Pending> map = pending;
        Map.Entry<Long, Pending> first;
        while ((first = map.firstEntry()) != null && now - first.getValue().startNanos() > timeoutNanos) {
            if (map.remove(first.getKey()) != null) {
                Pending p = first.getValue();
                completions.execute(() -> p.future().completeExceptionally(new TransportException(
                        "the broker did not confirm the message to exchange '" + p.exchange() + "' within the confirm timeout "
                                + Duration.ofNanos(timeoutNanos) + "; it may or may not have arrived", null, true)));
            }
        }
    }

    /** The exchange a channel was closed for as missing ({@code 404 NOT_FOUND - no exchange 'x' in vhost 'v'}), else null. */
    static String missingExchange(ShutdownSignalException cause) {
        if (cause.isHardError() || cause.isInitiatedByApplication() || !(cause.getReason() instanceof AMQP.Channel.Close c)
                || c.getReplyCode() != AMQP.NOT_FOUND) {
            return null;
        }
        Matcher m = NO_EXCHANGE.matcher(c.getReplyText());
        return m.find() ? m.group(1) : null;
    }
}
