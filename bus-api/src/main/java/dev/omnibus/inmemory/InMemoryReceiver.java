package dev.omnibus.inmemory;

import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.ReceiveHandle;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One receive loop: the queue pushes to it while fewer than prefetch deliveries are unsettled.
 * Its state is guarded by the queue's lock; unsettled deliveries form a list through the
 * deliveries themselves (no set, no allocation per message), in hand-over order.
 */
final class InMemoryReceiver implements ReceiveHandle, InMemoryQueue.Consumer {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryTransport.class);

    final InMemoryBroker broker;
    final InMemoryQueue queue;
    private final DeliveryHandler handler;
    private int window; // guarded by queue lock: permits left
    private boolean delivering = true; // guarded by queue lock
    private boolean closedHandle; // guarded by queue lock
    private InMemoryDelivery first; // guarded by queue lock: the oldest unsettled
    private InMemoryDelivery last; // guarded by queue lock: the newest unsettled

    InMemoryReceiver(InMemoryBroker broker, InMemoryQueue queue, int prefetch, DeliveryHandler handler) {
        this.broker = broker;
        this.queue = queue;
        this.window = prefetch;
        this.handler = handler;
    }

    @Override
    public boolean hasRoom() {
        return delivering && window > 0;
    }

    @Override
    public void deliver(Object m) {
        window--;
        InMemoryDelivery d = new InMemoryDelivery(m, this);
        d.previous = last;
        if (last == null) {
            first = d;
        } else {
            last.next = d;
        }
        last = d;
        try {
            handler.onDelivery(d);
        } catch (RuntimeException e) {
            LOG.error("Queue {}: the delivery handler failed; the message goes back to the queue", queue.name(), e);
            d.requeue();
        }
    }

    /** After {@code d} settled (its message already put wherever it goes): frees its permit and hands over more. */
    void settled(InMemoryDelivery d) {
        queue.lock().lock();
        try {
            if (d.next != d) { // still in the list: the first settlement of it
                unlink(d);
                window++;
            }
            broker.activity().settled();
            queue.roomMade();
        } finally {
            queue.lock().unlock();
        }
    }

    private void unlink(InMemoryDelivery d) {
        if (d.previous == null) {
            first = d.next;
        } else {
            d.previous.next = d.next;
        }
        if (d.next == null) {
            last = d.previous;
        } else {
            d.next.previous = d.previous;
        }
        d.previous = null;
        d.next = d; // the mark of an unlinked delivery
    }

    @Override
    public void stopDeliveries() {
        queue.lock().lock();
        try {
            delivering = false;
        } finally {
            queue.lock().unlock();
        }
    }

    @Override
    public void close() {
        List<InMemoryDelivery> left = new ArrayList<>();
        queue.lock().lock();
        try {
            if (closedHandle) {
                return;
            }
            closedHandle = true;
            delivering = false;
            queue.detach(this);
            // the latest first: each goes back to the head, so the queue ends up in delivery order
            for (InMemoryDelivery d = last; d != null; d = d.previous) {
                left.add(d);
            }
        } finally {
            queue.lock().unlock();
        }
        for (InMemoryDelivery d : left) {
            d.returnOnClose();
        }
    }
}
