package dev.omnibus.benchmarks;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.benchmarks.Orders.OrderSubmitted;
import dev.omnibus.sqs.SqsTransport;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Omnibus on SQS against a raw AWS SDK twin doing the same work, in one run on one SQS server,
 * reporting <b>SQS API calls per message</b> for both (every request counted by an SDK
 * {@link ExecutionInterceptor} on each side's own client) and the throughput ratio.
 *
 * <p>Only the calls to the measured queues count: each bus also polls its own reply queue, shown apart
 * as {@code (other)…}.
 *
 * <ol>
 * <li><b>send</b> N messages. Raw: {@code SendMessageBatch} of 10 with the very body and attributes
 *     Omnibus writes, up to 10 batches unanswered. Omnibus: {@code bus.send} (one call per message:
 *     the bus has no batch send), up to 100 unanswered; and the transport's {@code sendAll} in lists
 *     of 10 (the path of the outbox's dispatcher), which sends {@code SendMessageBatch}.</li>
 * <li><b>consume</b> the N messages. Raw: {@code --receives} (4) long polls of 10 in flight, each
 *     message counted and its receipt added to a {@code DeleteMessageBatch} of 10 (the last one
 *     partial). Omnibus: an endpoint (concurrency {@code --concurrency}, prefetch {@code --prefetch})
 *     whose consumer counts, on a transport with the same 4 receives in flight. Calls are counted
 *     until the queue is empty (deletes confirmed), receives until the last message was consumed (the
 *     polls after it, a listening consumer's idle polls, are shown apart).</li>
 * </ol>
 *
 * <pre>
 * ./mvnw -q -o -pl benchmarks -am package -DskipTests exec:exec \
 *     -Dexec.args="-classpath %classpath dev.omnibus.benchmarks.SqsLoadTool --messages 3000 --rounds 3"
 * </pre>
 *
 * The server is {@code OMNIBUS_SQS_ENDPOINT} if set, else ElasticMQ started in this JVM. <b>An
 * emulator's throughput is not SQS's</b>: the rates compare the two sides on the same server only;
 * the calls per message are what carries over to SQS (they are what SQS bills). Every queue is
 * named {@code omnibus-load-<run>-…} and deleted at the end.
 */
public final class SqsLoadTool {
    private static final String METERED = "SendMessage|ReceiveMessage|DeleteMessage|ChangeMessageVisibility";

    /** Counts requests by operation ({@code SendMessageBatch}, {@code ReceiveMessage}, …). */
    static final class CallCounter implements ExecutionInterceptor {
        private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();

        /**
         * Counts a request under its operation's name when it goes to one of the measured queues (or to
         * no queue), else as {@code (other)<operation>}: the buses' reply queues, which poll too, are
         * not part of the work measured.
         */
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            String op = context.request().getClass().getSimpleName().replace("Request", "");
            String url = context.request().getValueForField("QueueUrl", String.class).orElse(null);
            if (url != null && !url.matches(".*-(orders|batched|raw)")) {
                op = "(other)" + op;
            }
            calls.computeIfAbsent(op, k -> new LongAdder()).increment();
        }

        long get(String op) {
            LongAdder n = calls.get(op);
            return n == null ? 0 : n.sum();
        }

        /**
         * The counts since the last reset, with {@code ReceiveMessage} as it was when the last message was
         * consumed ({@code receivesAtLast}); the receives after it (idle polls of a consumer that keeps
         * listening, or long polls still open) under {@code ReceiveMessage(idle)}, not counted per message.
         */
        Map<String, Long> snapshotAndReset(long receivesAtLast) {
            Map<String, Long> out = snapshotAndReset();
            long all = out.getOrDefault("ReceiveMessage", 0L);
            out.put("ReceiveMessage", receivesAtLast);
            out.put("(idle)ReceiveMessage", all - receivesAtLast);
            return out;
        }

        Map<String, Long> snapshotAndReset() {
            Map<String, Long> out = new TreeMap<>();
            calls.forEach((op, n) -> out.put(op, n.sumThenReset()));
            out.values().removeIf(v -> v == 0);
            return out;
        }

        /** The calls of the metered operations (send, receive, delete, visibility), per message. */
        static double perMessage(Map<String, Long> calls, int messages) {
            long n = 0;
            for (Map.Entry<String, Long> e : calls.entrySet()) {
                if (e.getKey().matches("(" + METERED + ").*")) {
                    n += e.getValue();
                }
            }
            return (double) n / messages;
        }
    }

    private final int messages;
    private final int rounds;
    private final int concurrency;
    private final int prefetch;
    private final int receives;
    /** The transport's flushInterval for deletes (its default, 5 ms, unless --flush-ms). */
    private final int flushMillis;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final CallCounter rawCalls = new CallCounter();
    private final CallCounter busCalls = new CallCounter();
    private URI endpoint;
    /** ReceiveMessage calls of the side being measured when its last message was consumed. */
    private volatile long receivesAtLast;
    private final int sendLingerMillis;
    private SqsAsyncClient raw;
    private SqsAsyncClient busClient;
    private SqsAsyncClient admin;

    private SqsLoadTool(String[] args) {
        int m = 3000;
        int r = 3;
        int c = 8;
        int p = 40;
        int q = 4;
        int f = 5;
        int l = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            int v = Integer.parseInt(args[i + 1]);
            switch (args[i]) {
                case "--messages" -> m = v;
                case "--rounds" -> r = v;
                case "--concurrency" -> c = v;
                case "--prefetch" -> p = v;
                case "--receives" -> q = v;
                case "--flush-ms" -> f = v;
                case "--send-linger-ms" -> l = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--messages, --rounds, --concurrency, --prefetch, --receives, --flush-ms, --send-linger-ms)");
            }
        }
        messages = m;
        rounds = r;
        concurrency = c;
        prefetch = p;
        receives = q;
        flushMillis = f;
        sendLingerMillis = l;
    }

    public static void main(String[] args) throws Exception {
        new SqsLoadTool(args).runAll();
        System.exit(0);
    }

    private SqsAsyncClient client(CallCounter counter) {
        var b = SqsAsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("load", "load")))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(200));
        if (counter != null) {
            b.overrideConfiguration(o -> o.addExecutionInterceptor(counter));
        }
        return b.build();
    }

    private void runAll() throws Exception {
        String env = System.getenv("OMNIBUS_SQS_ENDPOINT");
        SQSRestServer server = null;
        if (env != null && !env.isBlank()) {
            endpoint = URI.create(env);
        } else {
            server = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().withAWSRegion("us-east-1").start();
            endpoint = URI.create("http://127.0.0.1:" + server.waitUntilStarted().localAddress().getPort());
        }
        raw = client(rawCalls);
        busClient = client(busCalls);
        admin = client(null);
        System.out.printf(Locale.ROOT, "SQS load tool: %s%s, %,d messages, Omnibus concurrency %d prefetch %d flush %d ms, %d "
                + "receives in flight on both sides, %d rounds + warm-up%n", endpoint,
                server != null ? " (ElasticMQ in this JVM)" : "", messages, concurrency, prefetch, flushMillis, receives, rounds);
        System.out.println("NOTE: throughput on an emulator is not SQS performance; compare the two sides of one run only. "
                + "API calls per message carry over to SQS.");
        LoadComparison send = new LoadComparison("send (raw batches of 10 vs bus.send)", rounds);
        LoadComparison sendAll = new LoadComparison("send (raw batches of 10 vs sendAll)", rounds);
        LoadComparison consume = new LoadComparison("consume + delete", rounds);
        double[][] calls = new double[5][rounds];
        try {
            for (int round = 0; round <= rounds; round++) {
                int n = round == 0 ? Math.min(messages, 500) : messages;
                String prefix = "omnibus-load-" + run + "-r" + round + "-";
                Round r = round(prefix, n);
                if (round == 0) {
                    System.out.printf(Locale.ROOT, "warm-up (%,d) done%n", n);
                    continue;
                }
                int i = round - 1;
                send.add(r.rawSendRate, r.busSendRate);
                sendAll.add(r.rawSendRate, r.busSendAllRate);
                consume.add(r.rawConsumeRate, r.busConsumeRate);
                calls[0][i] = CallCounter.perMessage(r.rawSendCalls, n);
                calls[1][i] = CallCounter.perMessage(r.busSendAllCalls, n);
                calls[2][i] = CallCounter.perMessage(r.rawConsumeCalls, n);
                calls[3][i] = CallCounter.perMessage(r.busConsumeCalls, n);
                calls[4][i] = CallCounter.perMessage(r.busSendCalls, n);
                System.out.printf(Locale.ROOT, "round %d: send raw %,.0f/s, bus.send %,.0f/s, sendAll %,.0f/s; consume raw "
                        + "%,.0f/s, Omnibus %,.0f/s%n  calls raw send %s%n  calls bus.send %s%n  calls sendAll %s%n"
                        + "  calls raw consume %s%n  calls Omnibus consume %s%n", round, r.rawSendRate, r.busSendRate,
                        r.busSendAllRate, r.rawConsumeRate, r.busConsumeRate, r.rawSendCalls, r.busSendCalls,
                        r.busSendAllCalls, r.rawConsumeCalls, r.busConsumeCalls);
            }
            System.out.println();
            LoadComparison.print("best of " + rounds + " rounds", "raw msg/s", "Omnibus msg/s", List.of(send, sendAll, consume));
            System.out.println();
            System.out.printf(Locale.ROOT, "SQS API calls per message (median of %d rounds; SendMessage*, ReceiveMessage "
                    + "until the last message, DeleteMessage*, ChangeMessageVisibility*):%n", rounds);
            System.out.printf(Locale.ROOT, "  send:    raw twin %.3f, Omnibus sendAll %.3f, Omnibus bus.send %.3f (single "
                    + "sends, sendLinger %d ms)%n", LoadComparison.median(calls[0]),
                    LoadComparison.median(calls[1]), LoadComparison.median(calls[4]), sendLingerMillis);
            System.out.printf(Locale.ROOT, "  consume: raw twin %.3f, Omnibus %.3f%n", LoadComparison.median(calls[2]),
                    LoadComparison.median(calls[3]));
        } finally {
            for (String url : admin.listQueues(b -> b.queueNamePrefix("omnibus-load-" + run)).join().queueUrls()) {
                admin.deleteQueue(b -> b.queueUrl(url)).join();
            }
            raw.close();
            busClient.close();
            admin.close();
            if (server != null) {
                server.stopAndWait();
            }
        }
    }

    private static final class Round {
        double rawSendRate;
        double busSendRate;
        double busSendAllRate;
        double rawConsumeRate;
        double busConsumeRate;
        Map<String, Long> rawSendCalls;
        Map<String, Long> busSendCalls;
        Map<String, Long> busSendAllCalls;
        Map<String, Long> rawConsumeCalls;
        Map<String, Long> busConsumeCalls;
    }

    private SqsTransport transport(String prefix) {
        return SqsTransport.builder().client(busClient).withoutSns().queuePrefix(prefix).waitTimeSeconds(5)
                .maxConcurrentReceives(receives).flushInterval(Duration.ofMillis(flushMillis))
                .sendLinger(Duration.ofMillis(sendLingerMillis)).build();
    }

    private Round round(String prefix, int n) throws Exception {
        Round r = new Round();
        String rawUrl = admin.createQueue(b -> b.queueName(prefix + "raw")).join().queueUrl();
        // Omnibus send, one message per bus.send
        try (Bus producer = Bus.builder().transport(transport(prefix)).name("load-producer").start()) {
            producer.send(Address.queue("orders"), Orders.small()).join(); // the queue exists before timing
            admin.purgeQueue(b -> b.queueUrl(url(prefix + "orders"))).join();
            busCalls.snapshotAndReset();
            Semaphore window = new Semaphore(100);
            long t0 = System.nanoTime();
            List<CompletableFuture<Void>> all = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                window.acquire();
                all.add(producer.send(Address.queue("orders"), Orders.small()).whenComplete((v, e) -> window.release()));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            r.busSendRate = n / LoadComparison.seconds(t0);
            r.busSendCalls = busCalls.snapshotAndReset();
        }
        // the exact bytes Omnibus wrote, for the raw twin and for sendAll
        Message sample = admin.receiveMessage(b -> b.queueUrl(url(prefix + "orders")).maxNumberOfMessages(1)
                .messageAttributeNames("All").visibilityTimeout(0)).join().messages().get(0);
        r.rawSendRate = rawSend(rawUrl, sample, n);
        r.rawSendCalls = rawCalls.snapshotAndReset();
        r.busSendAllRate = busSendAll(prefix, sample, n);
        r.busSendAllCalls = busCalls.snapshotAndReset();
        r.rawConsumeRate = rawConsume(rawUrl, n);
        awaitEmpty(rawUrl);
        r.rawConsumeCalls = rawCalls.snapshotAndReset(receivesAtLast);
        r.busConsumeRate = busConsume(prefix, n);
        r.busConsumeCalls = busCalls.snapshotAndReset(receivesAtLast);
        return r;
    }

    private String url(String queue) {
        return admin.getQueueUrl(b -> b.queueName(queue)).join().queueUrl();
    }

    private double rawSend(String url, Message sample, int n) throws InterruptedException {
        Semaphore window = new Semaphore(10);
        List<CompletableFuture<?>> all = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>(10);
            for (int j = i; j < Math.min(n, i + 10); j++) {
                Map<String, MessageAttributeValue> attributes = new java.util.HashMap<>(sample.messageAttributes());
                attributes.put("MessageId", MessageAttributeValue.builder().dataType("String")
                        .stringValue(UUID.randomUUID().toString()).build());
                entries.add(SendMessageBatchRequestEntry.builder().id(String.valueOf(j - i)).messageBody(sample.body())
                        .messageAttributes(attributes).build());
            }
            window.acquire();
            all.add(raw.sendMessageBatch(b -> b.queueUrl(url).entries(entries)).whenComplete((v, e) -> window.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        return n / LoadComparison.seconds(t0);
    }

    /** The transport's sendAll (the outbox dispatcher's path), lists of 10, to a queue of its own. */
    private double busSendAll(String prefix, Message sample, int n) {
        SqsTransport t = transport(prefix);
        try (Bus bus = Bus.builder().transport(t).name("load-sendall").start()) {
            t.sendAll(Address.queue("batched"), List.of(outgoing(sample))).get(0).join(); // the queue exists
            busCalls.snapshotAndReset();
            long t0 = System.nanoTime();
            List<CompletableFuture<Void>> all = new ArrayList<>(n);
            for (int i = 0; i < n; i += 10) {
                List<dev.omnibus.spi.OutgoingMessage> list = new ArrayList<>(10);
                for (int j = i; j < Math.min(n, i + 10); j++) {
                    list.add(outgoing(sample));
                }
                all.addAll(t.sendAll(Address.queue("batched"), list));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            return n / LoadComparison.seconds(t0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static dev.omnibus.spi.OutgoingMessage outgoing(Message sample) {
        return new dev.omnibus.spi.OutgoingMessage(sample.body().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                dev.omnibus.Headers.of(Map.of("Content-Type", "application/vnd.masstransit+json", "MessageId",
                        UUID.randomUUID().toString())), null, null);
    }

    private double rawConsume(String url, int n) throws InterruptedException {
        AtomicInteger count = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        List<DeleteMessageBatchRequestEntry> pending = new ArrayList<>(10);
        List<CompletableFuture<?>> deletes = new ArrayList<>();
        Semaphore slots = new Semaphore(receives);
        AtomicLong id = new AtomicLong();
        long t0 = System.nanoTime();
        while (done.getCount() > 0) {
            if (!slots.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                continue;
            }
            if (count.get() >= n) {
                slots.release();
                break;
            }
            raw.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(5)
                    .messageAttributeNames("All")).whenComplete((ReceiveMessageResponse resp, Throwable e) -> {
                        slots.release();
                        if (resp == null) {
                            return;
                        }
                        for (Message m : resp.messages()) {
                            List<DeleteMessageBatchRequestEntry> batch = null;
                            synchronized (pending) {
                                pending.add(DeleteMessageBatchRequestEntry.builder().id(String.valueOf(id.incrementAndGet()))
                                        .receiptHandle(m.receiptHandle()).build());
                                if (pending.size() == 10) {
                                    batch = List.copyOf(pending);
                                    pending.clear();
                                }
                            }
                            if (batch != null) {
                                List<DeleteMessageBatchRequestEntry> b = batch;
                                synchronized (deletes) {
                                    deletes.add(raw.deleteMessageBatch(x -> x.queueUrl(url).entries(b)));
                                }
                            }
                            if (count.incrementAndGet() == n) {
                                done.countDown();
                            }
                        }
                    });
        }
        done.await();
        double rate = n / LoadComparison.seconds(t0);
        receivesAtLast = rawCalls.get("ReceiveMessage");
        synchronized (pending) {
            if (!pending.isEmpty()) {
                List<DeleteMessageBatchRequestEntry> b = List.copyOf(pending);
                synchronized (deletes) {
                    deletes.add(raw.deleteMessageBatch(x -> x.queueUrl(url).entries(b)));
                }
            }
        }
        synchronized (deletes) {
            CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)).join();
        }
        return rate;
    }

    private double busConsume(String prefix, int n) throws InterruptedException {
        AtomicInteger count = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        double rate;
        long t0 = System.nanoTime();
        try (Bus consumer = Bus.builder().transport(transport(prefix)).name("load-consumer")
                .receiveEndpoint("orders", e -> e.concurrency(concurrency).prefetch(prefetch)
                        .handler(OrderSubmitted.class, ctx -> {
                            if (count.incrementAndGet() == n) {
                                receivesAtLast = busCalls.get("ReceiveMessage");
                                done.countDown();
                            }
                        }))
                .start()) {
            done.await();
            rate = n / LoadComparison.seconds(t0);
            awaitEmpty(url(prefix + "orders"));
        }
        return rate;
    }

    /** Waits until SQS holds nothing in the queue (every delete confirmed). */
    private void awaitEmpty(String url) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Map<QueueAttributeName, String> a = admin.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).join().attributes();
            if (a.values().stream().allMatch("0"::equals)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("queue " + url + " still holds messages after 60 s");
    }
}
