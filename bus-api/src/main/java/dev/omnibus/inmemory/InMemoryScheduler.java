package dev.omnibus.inmemory;

import dev.omnibus.Address;
import dev.omnibus.BusStateException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link Scheduler}: timers on the bus's {@link BusClock}, so a virtual clock moves
 * them. It keeps nothing across a restart: when the bus stops, messages not yet due are sent at
 * once rather than lost (a warning says how many), so a delayed redelivery still reaches its queue
 * and a scheduled send arrives early. Use the outbox's durable scheduler where timing across
 * restarts matters. A message's token is its message id (unless a message with that id is pending
 * already), so {@link dev.omnibus.ConsumeContext#cancelScheduledSend} can withdraw it.
 *
 * <h2>Threads and failures</h2>
 * A send can block (the in-memory transport waits for room in a full queue), and must never hold
 * up a clock's shared timer thread ({@link BusClock#ownsTimerThread()}, the system clock's, which
 * every timer of the JVM's buses uses): on such a clock a due timer only hands its message to this
 * scheduler's senders (at most {@value #SENDERS} threads named {@code omnibus-scheduler-N},
 * started on demand, ending when idle and at stop). On a clock that runs timers on the thread that
 * moves its time (a test's virtual clock) the message is sent in place, so it is in its queue when
 * the clock has moved. A send that fails is logged with its message id, not retried.
 * {@link #schedule} after {@link #stop} throws {@link BusStateException}. Thread-safe.
 */
public final class InMemoryScheduler implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryScheduler.class);
    /** How long {@link #stop} waits for sends in progress (the in-memory transport's default send timeout). */
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);

    private record Pending(Address destination, OutgoingMessage message, BusClock.Cancellable timer) {
    }

    /** The most threads sending due messages at once. */
    static final int SENDERS = 4;

    private final Map<UUID, Pending> timers = new ConcurrentHashMap<>();
    private volatile Transport transport;
    private volatile BusClock clock;
    private volatile ThreadPoolExecutor senders;
    private volatile boolean stopped;

    @Override
    public void start(Transport transport, BusClock clock) {
        this.clock = clock;
        if (!clock.ownsTimerThread()) {
            this.transport = transport;
            return;
        }
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(SENDERS, SENDERS, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "omnibus-scheduler-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        this.senders = pool;
        this.transport = transport;
    }

    @Override
    public UUID schedule(Instant due, Address destination, OutgoingMessage message) {
        if (transport == null) {
            throw new BusStateException("scheduler not started: start the bus first");
        }
        if (stopped) {
            throw new BusStateException("scheduler stopped: the bus is stopping");
        }
        Duration delay = Duration.between(clock.now(), due);
        // the message id is the token, so a scheduled send can be cancelled by it; a second pending
        // message with the same id (a redelivery copy) gets a random token rather than replace the first.
        // Registered before scheduling: a zero delay may fire at once, on another thread
        UUID token = messageId(message);
        if (token == null || timers.putIfAbsent(token, new Pending(destination, message, () -> true)) != null) {
            do {
                token = UUID.randomUUID();
            } while (timers.putIfAbsent(token, new Pending(destination, message, () -> true)) != null);
        }
        UUID t = token;
        BusClock.Cancellable c = clock.schedule(delay.isNegative() ? Duration.ZERO : delay, () -> fire(t, destination, message));
        timers.computeIfPresent(t, (k, v) -> new Pending(destination, message, c));
        return t;
    }

    private static UUID messageId(OutgoingMessage message) {
        Object id = message.headers().get(OutgoingMessage.MESSAGE_ID);
        if (id == null) { // by reference the id is the envelope's (made now) rather than a header
            return message.reference() != null ? message.reference().envelope().messageId() : message.deduplicationId();
        }
        try {
            return UUID.fromString(id.toString());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Runs on the clock's timer thread: on a shared one, hands the send over (a send may block). */
    private void fire(UUID token, Address destination, OutgoingMessage message) {
        if (timers.remove(token) == null) {
            return;
        }
        ThreadPoolExecutor pool = senders;
        if (pool == null) { // the clock runs timers on the thread that moves its time: send in place
            send(destination, message);
            return;
        }
        try {
            pool.execute(() -> send(destination, message));
        } catch (RejectedExecutionException e) {
            send(destination, message); // stopped between the two lines: early beats lost
        }
    }

    private void send(Address destination, OutgoingMessage message) {
        transport.send(destination, message).whenComplete((ok, e) -> {
            if (e != null) {
                LOG.error("Scheduled message {} to {} could not be sent", messageId(message),
                        destination, e);
            }
        });
    }

    @Override
    public boolean cancel(UUID token) {
        Pending p = timers.remove(token);
        return p != null && p.timer().cancel();
    }

    /** How many messages wait for their time. */
    public int pending() {
        return timers.size();
    }

    /**
     * Sends every message not yet due now (an in-memory scheduler cannot keep them, and early beats
     * lost), waits for sends in progress (each bounded by the transport's own send timeout), and
     * ends the sender threads.
     */
    @Override
    public void stop() {
        stopped = true;
        int early = 0;
        for (UUID token : java.util.List.copyOf(timers.keySet())) {
            Pending p = timers.remove(token);
            if (p != null && p.timer().cancel()) {
                early++;
                send(p.destination(), p.message());
            }
        }
        if (early > 0) {
            LOG.warn("In-memory scheduler stopped with {} message(s) not yet due; sent them now rather than lose them", early);
        }
        ThreadPoolExecutor pool = senders;
        if (pool != null) {
            pool.shutdown();
            try {
                if (!pool.awaitTermination(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    LOG.warn("In-memory scheduler: sends still in progress after {}; interrupting them", STOP_WAIT);
                    pool.shutdownNow();
                }
            } catch (InterruptedException e) {
                pool.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
