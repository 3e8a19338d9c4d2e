package dev.omnibus.internal;

import dev.omnibus.ConfigurationException;
import dev.omnibus.EndpointHealth;
import dev.omnibus.EndpointHealth.Status;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Transport;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An endpoint's subscription and its health. When the transport reports that the receive loop stopped
 * on its own ({@link DeliveryHandler#onReceiveStopped}), the old handle is closed and the endpoint
 * subscribes again after a backoff (100 ms, doubling to 30 s): it declares its topology again (the
 * queue may have been deleted) and asks the transport for a new handle, on a thread of its own (a
 * timer task must not block). A failure that a retry does not fix (a {@link ConfigurationException},
 * a {@link TransportException} that is not retryable) leaves it {@link Status#FAILED}; any other keeps
 * it {@link Status#RECOVERING} and tries again. Thread-safe: state changes under this object's lock.
 */
final class ReceiveLoop {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiveLoop.class);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final String name;
    private final Transport transport;
    private final ReceiveSettings settings;
    private final DeliveryHandler handler;
    private final BusClock clock;
    private final Runnable declare;
    private ReceiveHandle handle; // guarded by this
    private Status status = Status.STARTING; // guarded by this
    private Instant since; // guarded by this
    private String lastError; // guarded by this
    private int recoveries; // guarded by this
    private int attempt; // guarded by this: failed resubscriptions in a row
    private boolean stopped; // guarded by this
    private BusClock.Cancellable pending; // guarded by this
    private ReceiveHandle stale; // guarded by this: the stopped loop's handle, closed by the resubscription

    ReceiveLoop(String name, Transport transport, ReceiveSettings settings, DeliveryHandler handler, BusClock clock,
            Runnable declare) {
        this.name = name;
        this.transport = transport;
        this.settings = settings;
        this.handler = handler;
        this.clock = clock;
        this.declare = declare;
        this.since = clock.now();
    }

    /** Subscribes; a failure propagates (the bus fails to start). */
    void start() {
        ReceiveHandle h = transport.receive(name, settings, handler);
        synchronized (this) {
            handle = h;
            status = Status.RUNNING;
            since = clock.now();
        }
    }

    /** The current handle, or null before {@link #start} or between a stop and a resubscription. */
    synchronized ReceiveHandle handle() {
        return handle;
    }

    synchronized EndpointHealth health() {
        return new EndpointHealth(name, status, since, lastError, recoveries);
    }

    /**
     * The transport's report: the loop stopped on its own. Does not block (it may run on the transport's
     * own thread): the old handle is closed by the resubscription, on a thread of its own.
     */
    void stopped(Throwable cause) {
        synchronized (this) {
            if (stopped || status == Status.RECOVERING && handle == null) {
                return; // the bus is stopping, or a resubscription is already on its way
            }
            stale = handle;
            handle = null;
            status = Status.RECOVERING;
            since = clock.now();
            lastError = describe(cause);
        }
        LOG.warn("Endpoint {}: its receive loop stopped ({}); subscribing again", name, lastError);
        scheduleResubscribe();
    }

    /** The transport's report: its connection is down and recovering by itself. */
    synchronized void interrupted(Throwable cause) {
        if (stopped || status != Status.RUNNING) {
            return;
        }
        status = Status.RECOVERING;
        since = clock.now();
        lastError = describe(cause);
    }

    /** The transport's report: its connection is back. */
    synchronized void resumed() {
        if (stopped || status != Status.RECOVERING || handle == null) {
            return;
        }
        status = Status.RUNNING;
        since = clock.now();
        recoveries++;
    }

    /** The bus stops the endpoint: no more resubscriptions. Returns the handle to stop and close, if any. */
    synchronized ReceiveHandle stop() {
        stopped = true;
        if (stale != null) {
            try {
                stale.close();
            } catch (RuntimeException e) {
                LOG.debug("Endpoint {}: closing the stopped receive loop failed", name, e);
            }
            stale = null;
        }
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
        status = Status.STOPPED;
        since = clock.now();
        return handle;
    }

    private synchronized void scheduleResubscribe() {
        if (stopped) {
            return;
        }
        long millis = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(attempt, 20));
        pending = clock.schedule(Duration.ofMillis(millis), () -> {
            Thread t = new Thread(this::resubscribe, "omnibus-" + name + "-resubscribe");
            t.setDaemon(true);
            t.start();
        });
    }

    private void resubscribe() {
        ReceiveHandle old;
        synchronized (this) {
            old = stale;
            stale = null;
        }
        if (old != null) {
            try {
                old.close();
            } catch (RuntimeException e) {
                LOG.debug("Endpoint {}: closing the stopped receive loop failed", name, e);
            }
        }
        synchronized (this) {
            if (stopped) {
                return;
            }
        }
        ReceiveHandle h;
        try {
            declare.run();
            h = transport.receive(name, settings, handler);
        } catch (RuntimeException e) {
            boolean fatal = e instanceof ConfigurationException
                    || e instanceof TransportException te && !te.isRetryable();
            synchronized (this) {
                attempt++;
                lastError = describe(e);
                since = clock.now();
                status = fatal ? Status.FAILED : Status.RECOVERING;
            }
            if (fatal) {
                LOG.error("Endpoint {}: cannot subscribe again ({}); it receives nothing until the bus is restarted",
                        name, lastError, e);
                return;
            }
            LOG.warn("Endpoint {}: subscribing again failed ({}, attempt {}); trying again", name, lastError, attempt);
            scheduleResubscribe();
            return;
        }
        boolean late;
        synchronized (this) {
            late = stopped;
            if (!late) {
                handle = h;
                status = Status.RUNNING;
                since = clock.now();
                recoveries++;
                attempt = 0;
            }
        }
        if (late) {
            h.close(); // the bus stopped while this subscribed
            return;
        }
        LOG.info("Endpoint {}: subscribed again; receiving", name);
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown cause";
        }
        String m = cause.getMessage();
        return InputLimits.forLog(m == null ? cause.getClass().getSimpleName() : cause.getClass().getSimpleName() + ": " + m);
    }
}
