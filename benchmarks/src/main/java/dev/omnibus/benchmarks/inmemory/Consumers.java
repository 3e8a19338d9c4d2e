package dev.omnibus.benchmarks.inmemory;

import dev.omnibus.Bus;
import dev.omnibus.benchmarks.Orders.OrderSubmitted;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.json.CborEnvelopeSerializer;
import dev.omnibus.json.JsonEnvelopeSerializer;
import dev.omnibus.spi.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The two systems the in-memory benchmarks compare, built the same way: {@code n} consumers that
 * each receive every published {@link OrderSubmitted} and count it in a shared {@link Arrivals},
 * which the benchmark thread waits on.
 */
final class Consumers {
    /** How long a benchmark waits for its messages before it fails instead of hanging. */
    static final long DEADLINE_SECONDS = 60;

    private Consumers() {
    }

    /** Waits for {@code permits} deliveries, or fails after {@link #DEADLINE_SECONDS}. */
    static void await(Arrivals delivered, int messages) throws InterruptedException {
        if (!delivered.await(messages, DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("consumers did not receive " + messages + " messages within "
                    + DEADLINE_SECONDS + " s (" + delivered.pending() + " arrived)");
        }
    }

    /**
     * An Omnibus bus on its in-memory transport: {@code consumers} endpoints, each consuming
     * {@link OrderSubmitted} with concurrency 1 behind {@code filters} no-op filters, so a publish
     * fans out to every endpoint; {@code serializer} {@code reference} passes messages by reference.
     */
    static Bus bus(int consumers, String serializer, int filters, Arrivals delivered) {
        var builder = Bus.builder()
                .name("bench")
                .transport(InMemoryTransport.builder().byReference(serializer.equals("reference")).build())
                .serializer(switch (serializer) {
                    case "json", "reference" -> JsonEnvelopeSerializer.create();
                    case "cbor" -> CborEnvelopeSerializer.create();
                    default -> throw new IllegalArgumentException("unknown serializer " + serializer);
                });
        for (int c = 0; c < consumers; c++) {
            builder.receiveEndpoint("bench-consumer-" + c, e -> {
                for (int f = 0; f < filters; f++) {
                    e.filter(PassThrough.INSTANCE);
                }
                e.consumer(OrderSubmitted.class, ctx -> delivered.arrived());
            });
        }
        return builder.start();
    }

    /** A filter that only calls the rest of the pipeline: what a filter costs by being there. */
    enum PassThrough implements Filter {
        INSTANCE;

        @Override
        public void filter(dev.omnibus.ConsumeContext<?> context, Next next) throws Exception {
            next.proceed(context);
        }
    }

    /**
     * The physical baseline: the same objects handed from the publishing thread to {@code n}
     * consumer threads through {@link ArrayBlockingQueue}s of the in-memory broker's default bound
     * (10,000), one queue per consumer, as a publish reaches one queue per endpoint.
     */
    static final class HandOff implements AutoCloseable {
        private final List<BlockingQueue<Object>> queues = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();

        HandOff(int consumers, Arrivals delivered) {
            for (int c = 0; c < consumers; c++) {
                BlockingQueue<Object> queue = new ArrayBlockingQueue<>(10_000);
                Thread t = new Thread(() -> {
                    try {
                        while (true) {
                            queue.take();
                            delivered.arrived();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "handoff-consumer-" + c);
                t.setDaemon(true);
                t.start();
                queues.add(queue);
                threads.add(t);
            }
        }

        void publish(Object message) throws InterruptedException {
            for (BlockingQueue<Object> q : queues) {
                q.put(message);
            }
        }

        @Override
        public void close() throws InterruptedException {
            for (Thread t : threads) {
                t.interrupt();
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
            }
        }
    }
}
