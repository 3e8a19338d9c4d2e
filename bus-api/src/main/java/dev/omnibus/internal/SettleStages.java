package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.Envelope;
import dev.omnibus.Fault;
import dev.omnibus.MessageType;
import dev.omnibus.SendOptions;
import dev.omnibus.spi.Delivery.DeadLetterQueue;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The stages that end a delivery: settlement (outermost) and fault handling (around the consume filters). */
final class SettleStages {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiveEndpointRuntime.class);
    static final long PRODUCE_TIMEOUT_SECONDS = 30;

    private SettleStages() {
    }

    /**
     * Settles every delivery once, after everything inside returned: {@code ack} when the rest
     * returned, the move to {@code _error} / {@code _skipped} when a stage threw
     * {@link ReceiveStage.DeadLetter}, {@code requeue} when the bus is stopping and the work was
     * interrupted or a retry was still due. A settlement that fails is logged at WARN with the message
     * id (the broker delivers the message again). A delivery whose scope was revoked is not settled.
     */
    static final class Settlement implements ReceiveStage {
        @Override
        public String name() {
            return "settlement";
        }

        @Override
        public void handle(ReceiveContext r, Link next) {
            ReceiveEndpointRuntime ep = r.endpoint;
            try {
                next.proceed(r);
                dev.omnibus.spi.Interleaving.point("settle");
                InMemoryOutbox held = r.held;
                if (held == null) {
                    settle(r, "ack", r.delivery.isValid() ? r.delivery.ack() : null);
                } else { // the consumer's held messages leave with the ack, or not at all
                    settle(r, "ack with the consumer's held messages", r.delivery.isValid() ? held.release(r) : null);
                }
            } catch (RequeueDelivery rq) {
                LOG.info("Endpoint {}: message {} goes back to its queue{}: {}", ep.name(), r.logId(),
                        rq.delay == null ? "" : " for " + rq.delay, rq.getMessage());
                settle(r, rq.delay == null ? "requeue" : "requeue for " + rq.delay, !r.delivery.isValid() ? null
                        : rq.delay == null ? r.delivery.requeue() : r.delivery.requeue(rq.delay));
            } catch (DeadLetter dl) {
                dev.omnibus.spi.Interleaving.point("settle");
                Object message = r.message(); // null when it was not bound
                // recorded before the move, so an observer never sees the next step before this one
                ep.bus().observers().deadLettered(ep.name(), dl.queue, r.envelope(), message, dl.reason);
                settle(r, "move to " + dl.queue.nameFor(ep.name()),
                        r.delivery.isValid() ? r.delivery.deadLetter(dl.queue, dl.headers) : null);
            } catch (Throwable e) {
                if (e instanceof RetryFilter.RequeueOnStop || ep.bus().isStopping() && interruptedBy(e)) {
                    LOG.info("Endpoint {}: message {} interrupted by stop; it goes back to the queue", ep.name(),
                            r.logId());
                } else {
                    LOG.error("Endpoint {}: unexpected failure handling message {}; it goes back to the queue",
                            ep.name(), r.logId(), e);
                }
                settle(r, "requeue", r.delivery.isValid() ? r.delivery.requeue() : null);
            }
        }

        private static void settle(ReceiveContext r, String what, CompletionStage<Void> stage) {
            if (stage == null) {
                LOG.debug("Endpoint {}: message {} was revoked before its {}; the broker delivers it again",
                        r.endpoint.name(), r.logId(), what);
                return;
            }
            if (stage instanceof CompletableFuture<Void> f && f.isDone() && !f.isCompletedExceptionally()) {
                return; // settled already (an in-process broker): nothing to wait for, nothing to allocate
            }
            Object id = r.logId();
            String endpoint = r.endpoint.name();
            dev.omnibus.Envelope envelope = r.envelope();
            Observers observers = r.endpoint.bus().observers();
            stage.whenComplete((ok, e) -> {
                if (e != null) {
                    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                            ? e.getCause() : e;
                    LOG.warn("Endpoint {}: {} of message {} failed ({}); the broker will deliver it again", endpoint, what,
                            id, cause.toString());
                    observers.settlementFailed(endpoint, envelope, what, cause);
                }
            });
        }

        static boolean interruptedBy(Throwable e) {
            if (Thread.currentThread().isInterrupted()) {
                return true;
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof InterruptedException || t instanceof java.nio.channels.ClosedByInterruptException) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * When everything inside has failed (retries and redeliveries spent): logs it, publishes a
     * {@code Fault<T>} (to the fault address, else the response address, else to subscribers), and
     * ends the delivery in {@code _error} with MassTransit's fault headers.
     */
    static final class Faults implements ReceiveStage {
        @Override
        public String name() {
            return "fault";
        }

        @Override
        public void handle(ReceiveContext r, Link next) throws Exception {
            try {
                next.proceed(r);
            } catch (RetryFilter.RequeueOnStop | RequeueDelivery e) {
                throw e;
            } catch (Exception | Error e) {
                ReceiveEndpointRuntime ep = r.endpoint;
                if (ep.bus().isStopping() && Settlement.interruptedBy(e)) {
                    throw e;
                }
                DefaultConsumeContext ctx = r;
                LOG.warn("Endpoint {}: {} failed on {} {} after {} retries; moving it to {}_error", ep.name(),
                        r.consumer != null ? "consumer " + r.consumer : "sending what its consumers produced",
                        r.type.urn(), r.logId(), ctx.retryAttempt(), ep.name(), e);
                publishFault(r, e);
                throw new DeadLetter(DeadLetterQueue.ERROR, FaultHeaders.fault(FaultHeaders.baseOf(e), ep.address(), r.consumer,
                        r.type.urn(), ctx.retryAttempt(), ep.clock().now(), ep.busSpec().includeStackTraces()), e.toString(), e);
            }
        }

        private static void publishFault(ReceiveContext r, Throwable e) {
            if (r.type.rawType() == Fault.class) {
                return; // a failing fault consumer does not fault again
            }
            ReceiveEndpointRuntime ep = r.endpoint;
            Envelope env = r.envelope();
            BusSpec spec = ep.busSpec();
            MessageType faultType = spec.registry().faultOf(r.type.rawType());
            Fault<Object> fault = new Fault<>(Uuid7.next(), env.messageId(), FaultHeaders.wireTime(spec.clock().now()),
                    List.of(dev.omnibus.ExceptionInfo.of(e, spec.includeStackTraces())), dev.omnibus.HostInfo.current(),
                    env.messageType(),
                    r.message());
            URI to = env.faultAddress() != null ? env.faultAddress() : env.responseAddress();
            CompletableFuture<Void> f = ep.producer().produce(new MessageProducer.Production(
                    to == null ? null : new Address(to), fault, faultType, MessageProducer.replyOptions(SendOptions.defaults(), env), env, ep.address(),
                    env.requestId(), null, to != null)); // an address from the message: Transport.reply
            try {
                dev.omnibus.spi.Interleaving.awaitDone(f, "confirm");
                f.get(PRODUCE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            } catch (Exception fe) {
                LOG.error("Endpoint {}: could not publish the fault of message {}", ep.name(), env.messageId(), fe);
            }
        }
    }
}
