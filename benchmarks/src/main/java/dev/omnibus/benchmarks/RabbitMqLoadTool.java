package dev.omnibus.benchmarks;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import dev.omnibus.Bus;
import dev.omnibus.rabbitmq.RabbitMqTransport;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures, in one run on one broker, the raw amqp-client and Omnibus doing the same work:
 * publishing N persistent messages of the same size with publisher confirms (asynchronous, at
 * most {@code --window} unconfirmed, one publishing thread), then consuming them with manual
 * acknowledgements and the same prefetch. Prints messages per second and the Omnibus/raw ratio.
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests exec:exec
 * ./mvnw -q -pl benchmarks -am package -DskipTests exec:exec \
 *     -Dexec.args="-classpath %classpath dev.omnibus.benchmarks.RabbitMqLoadTool --messages 100000 --prefetch 200"
 * </pre>
 *
 * Options: {@code --uri} (default {@code OMNIBUS_RABBITMQ_URI} or amqp://guest:guest@127.0.0.1:5672/),
 * {@code --messages} (50,000), {@code --payload} (characters of payload in the Omnibus message,
 * 1,024; the raw body is made exactly as long as the resulting Omnibus body), {@code --prefetch}
 * (200), {@code --window} (1,000), {@code --rounds} (3, after a warm-up round that does not count). The
 * summary gives the best rate of each side, and the best and the median of the rounds' own
 * Omnibus/raw ratios (the raw and the Omnibus run of a round share the machine's load of the moment).
 */
public final class RabbitMqLoadTool {
    /** The Omnibus message: a sequence number and a payload. */
    public record LoadMessage(long n, String payload) {
    }

    private final String uri;
    private final int messages;
    private final int payload;
    private final int prefetch;
    private final int window;
    private final int rounds;
    private final String only;
    private final String run = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE).substring(0, 8);

    private RabbitMqLoadTool(String[] args) {
        String u = System.getenv().getOrDefault("OMNIBUS_RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672/");
        int m = 50_000;
        int p = 1024;
        int pf = 200;
        int w = 1000;
        int r = 3;
        String o = "all";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--uri" -> u = args[i + 1];
                case "--messages" -> m = Integer.parseInt(args[i + 1]);
                case "--payload" -> p = Integer.parseInt(args[i + 1]);
                case "--prefetch" -> pf = Integer.parseInt(args[i + 1]);
                case "--window" -> w = Integer.parseInt(args[i + 1]);
                case "--rounds" -> r = Integer.parseInt(args[i + 1]);
                case "--only" -> o = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        uri = u;
        messages = m;
        payload = p;
        prefetch = pf;
        window = w;
        rounds = r;
        if (!o.equals("all") && !o.equals("publish")) {
            throw new IllegalArgumentException("--only takes publish (or all, the default), was " + o);
        }
        only = o;
    }

    public static void main(String[] args) throws Exception {
        new RabbitMqLoadTool(args).runAll();
    }

    private void runAll() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri);
        if (factory.getVirtualHost().isEmpty()) {
            factory.setVirtualHost("/");
        }
        String rawQueue = "load-raw-" + run;
        String busQueue = "load-omnibus-" + run;
        String text = "x".repeat(payload);
        try (Connection admin = factory.newConnection("load-tool-admin"); Channel ch = admin.createChannel()) {
            ch.queueDeclare(rawQueue, true, false, false, null);
            ch.exchangeDeclare(rawQueue, "fanout", true);
            ch.queueBind(rawQueue, rawQueue, "");
            // declare the Omnibus endpoint (queue, exchanges, bindings) with a bus that stops at once
            endpointBus(busQueue, new AtomicInteger(), new CountDownLatch(0), new AtomicLong()).close();
            // the raw side sends the very bytes Omnibus writes (a MassTransit JSON envelope), so that a
            // raw consumer can also do a user's decoding work on the same body
            byte[] rawBody = omnibusBody(ch, text);
            int bodySize = rawBody.length;
            System.out.printf(Locale.ROOT, "RabbitMQ load tool: %s, %,d messages of %,d bytes (persistent), prefetch %d, "
                    + "confirm window %d, %d rounds + warm-up%n", factory.getHost() + ":" + factory.getPort(), messages,
                    bodySize, prefetch, window, rounds);

            LoadComparison publish = new LoadComparison("publish with confirms", rounds);
            LoadComparison consume = new LoadComparison("consume with manual ack", rounds);
            LoadComparison decode = new LoadComparison("consume + decode envelope", rounds);
            List<Long> broker = ProcessCpu.busiest(ProcessCpu.pidsOf("beam.smp")); // the broker, when on this machine
            CpuTally rawPubCpu = new CpuTally();
            CpuTally busPubCpu = new CpuTally();
            for (int round = 0; round <= rounds; round++) {
                int n = round == 0 ? Math.min(messages, 10_000) : messages;
                long[] c0 = cpu(broker);
                double rawPub = rawPublish(factory, rawQueue, rawBody, n);
                long[] c1 = cpu(broker);
                double busPub = busPublish(text, n);
                long[] c2 = cpu(broker);
                if (round > 0) {
                    rawPubCpu.add(c0, c1, n);
                    busPubCpu.add(c1, c2, n);
                }
                if (only.equals("publish")) { // a profile of publishing alone: drain what was published
                    ch.queuePurge(rawQueue);
                    ch.queuePurge(busQueue);
                    if (round > 0) {
                        System.out.printf(Locale.ROOT, "round %d: raw publish %,.0f/s, Omnibus publish %,.0f/s (%.2f)%n", round,
                                rawPub, busPub, publish.add(rawPub, busPub));
                    }
                    continue;
                }
                double rawCon = rawConsume(factory, rawQueue, n, false);
                rawPublish(factory, rawQueue, rawBody, n);
                double rawDecode = rawConsume(factory, rawQueue, n, true);
                double busCon = busConsume(busQueue, n);
                if (round == 0) {
                    System.out.printf(Locale.ROOT, "warm-up (%,d): raw publish %,.0f/s, Omnibus publish %,.0f/s, raw consume "
                            + "%,.0f/s, Omnibus consume %,.0f/s%n", n, rawPub, busPub, rawCon, busCon);
                    continue;
                }
                System.out.printf(Locale.ROOT, "round %d: raw publish %,.0f/s, Omnibus publish %,.0f/s (%.2f), raw consume "
                        + "%,.0f/s, raw consume + Jackson decode %,.0f/s, Omnibus consume %,.0f/s (%.2f, %.2f)%n", round,
                        rawPub, busPub, publish.add(rawPub, busPub), rawCon, rawDecode, busCon, consume.add(rawCon, busCon),
                        decode.add(rawDecode, busCon));
            }
            System.out.println();
            LoadComparison.print("best of " + rounds + " rounds", "raw msg/s", "Omnibus msg/s",
                    only.equals("publish") ? List.of(publish) : List.of(publish, consume, decode));
            System.out.printf(Locale.ROOT, "CPU per message published, all counted rounds (µs): raw: client %.1f, broker %s; "
                    + "Omnibus: client %.1f, broker %s%n", rawPubCpu.client(), rawPubCpu.broker(), busPubCpu.client(), busPubCpu.broker());

            for (String q : new String[] {rawQueue, busQueue, busQueue + "_error", busQueue + "_skipped"}) {
                ch.queueDelete(q);
                ch.exchangeDelete(q);
            }
        }
    }

    /** This JVM's CPU time and the broker's (-1 when not on this machine), in nanoseconds. */
    private static long[] cpu(List<Long> broker) {
        return new long[] {ProcessCpu.jvmNanos(), ProcessCpu.nanos(broker)};
    }

    /** CPU time spent by the client (this JVM) and the broker over some phases, per message. */
    private static final class CpuTally {
        private long client;
        private long broker;
        private long messages;
        private boolean brokerKnown = true;

        void add(long[] before, long[] after, int n) {
            client += after[0] - before[0];
            brokerKnown &= before[1] >= 0 && after[1] >= 0;
            broker += after[1] - before[1];
            messages += n;
        }

        double client() {
            return client / 1e3 / Math.max(1, messages);
        }

        String broker() {
            return brokerKnown ? String.format(Locale.ROOT, "%.1f", broker / 1e3 / Math.max(1, messages)) : "n/a";
        }
    }

    /** The body Omnibus writes for one message: publish one to a probe queue and look. */
    private byte[] omnibusBody(Channel ch, String text) throws Exception {
        String probe = ch.queueDeclare("", false, true, true, null).getQueue();
        ch.exchangeDeclare(exchangeOfLoadMessage(), "fanout", true);
        ch.queueBind(probe, exchangeOfLoadMessage(), "");
        try (Bus bus = Bus.builder().transport(RabbitMqTransport.fromUri(uri)).name("load-size-" + run).start()) {
            bus.publish(new LoadMessage(Long.MAX_VALUE, text)).get(30, TimeUnit.SECONDS);
        }
        GetResponse r = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (r == null && System.nanoTime() < deadline) {
            r = ch.basicGet(probe, true);
        }
        ch.queueDelete(probe);
        if (r == null) {
            throw new IllegalStateException("the probe message did not arrive");
        }
        return r.getBody();
    }

    private static String exchangeOfLoadMessage() {
        return LoadMessage.class.getPackageName() + ":RabbitMqLoadTool-LoadMessage";
    }

    private double rawPublish(ConnectionFactory factory, String queue, byte[] body, int n) throws Exception {
        try (Connection c = factory.newConnection("load-raw-publish"); Channel ch = c.createChannel()) {
            ch.confirmSelect();
            Semaphore inFlight = new Semaphore(window);
            ConcurrentNavigableMap<Long, Boolean> pending = new ConcurrentSkipListMap<>();
            CountDownLatch done = new CountDownLatch(n);
            ch.addConfirmListener(new ConfirmListener() {
                @Override
                public void handleAck(long seq, boolean multiple) {
                    settle(seq, multiple);
                }

                @Override
                public void handleNack(long seq, boolean multiple) {
                    settle(seq, multiple);
                }

                private void settle(long seq, boolean multiple) {
                    if (multiple) {
                        var head = pending.headMap(seq, true);
                        int k = 0;
                        while (head.pollFirstEntry() != null) {
                            k++;
                            done.countDown();
                        }
                        inFlight.release(k);
                    } else if (pending.remove(seq) != null) {
                        done.countDown();
                        inFlight.release();
                    }
                }
            });
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(2)
                    .contentType("application/vnd.masstransit+json").build();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                pending.put(ch.getNextPublishSeqNo(), Boolean.TRUE);
                ch.basicPublish(queue, "", props, body);
            }
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("raw publish: confirms missing");
            }
            return n / LoadComparison.seconds(start);
        }
    }

    private double busPublish(String text, int n) throws Exception {
        try (Bus bus = Bus.builder().transport(RabbitMqTransport.fromUri(uri)).name("load-publish-" + run).start()) {
            Semaphore inFlight = new Semaphore(window);
            CountDownLatch done = new CountDownLatch(n);
            AtomicInteger failed = new AtomicInteger();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                CompletableFuture<Void> f = bus.publish(new LoadMessage(i, text));
                f.whenComplete((ok, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                    }
                    inFlight.release();
                    done.countDown();
                });
            }
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("Omnibus publish: confirms missing");
            }
            double rate = n / LoadComparison.seconds(start);
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " Omnibus publishes failed");
            }
            return rate;
        }
    }

    /**
     * Consumes {@code n} messages with the plain client; with {@code decode}, each body is also read
     * as a MassTransit envelope and its message bound with plain Jackson (what a user of the raw
     * client does to get a message out of an envelope).
     */
    private double rawConsume(ConnectionFactory factory, String queue, int n, boolean decode) throws Exception {
        try (Connection c = factory.newConnection("load-raw-consume"); Channel ch = c.createChannel()) {
            ch.basicQos(prefetch);
            CountDownLatch done = new CountDownLatch(n);
            AtomicLong first = new AtomicLong();
            ch.basicConsume(queue, false, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties p, byte[] body) throws IOException {
                    first.compareAndSet(0, System.nanoTime());
                    if (decode) {
                        PlainEnvelopeDecoder.decode(body, LoadMessage.class);
                    }
                    getChannel().basicAck(envelope.getDeliveryTag(), false);
                    done.countDown();
                }
            });
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("raw consume: messages missing");
            }
            return n / LoadComparison.seconds(first.get());
        }
    }

    private double busConsume(String queue, int n) throws Exception {
        AtomicInteger count = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        AtomicLong first = new AtomicLong();
        try (Bus bus = endpointBus(queue, count, done, first)) {
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("Omnibus consume: messages missing (" + count.get() + " of " + n + ")");
            }
            return n / LoadComparison.seconds(first.get());
        }
    }

    private Bus endpointBus(String queue, AtomicInteger count, CountDownLatch done, AtomicLong first) {
        return Bus.builder().transport(RabbitMqTransport.fromUri(uri)).name("load-consume-" + run)
                .receiveEndpoint(queue, e -> e.prefetch(prefetch).consumer(LoadMessage.class, ctx -> {
                    first.compareAndSet(0, System.nanoTime());
                    count.incrementAndGet();
                    done.countDown();
                }))
                .start();
    }
}
