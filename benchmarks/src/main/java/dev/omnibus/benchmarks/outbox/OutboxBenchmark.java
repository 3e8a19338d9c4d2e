package dev.omnibus.benchmarks.outbox;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.omnibus.Bus;
import dev.omnibus.benchmarks.LoadComparison;
import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.outbox.JdbcOutbox;
import dev.omnibus.rabbitmq.RabbitMqTransport;
import dev.omnibus.spi.Transport;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import javax.sql.DataSource;

/**
 * The transactional outbox on PostgreSQL beside a raw JDBC insert-and-poll relay, in one run on one
 * database. Each business transaction inserts one order row and one message; a message counts as
 * delivered when a consumer has it. Two measurements per side:
 *
 * <ul>
 *   <li><b>throughput</b>: {@code --messages} transactions from {@code --producers} threads as fast
 *       as they go; rows committed and delivered per second, from the first transaction to the last
 *       delivery, and the commit-to-consume latency under that load;</li>
 *   <li><b>latency</b>: {@code --rate} transactions per second from one thread for {@code --seconds};
 *       commit-to-consume p50 / p99 / max when the relay is not saturated.</li>
 * </ul>
 *
 * Commit-to-consume runs from just before the commit to the consumer's call. The outbox side is
 * the whole product: the bus encodes the message (JSON envelope), the dispatcher claims, sends
 * through the transport (in memory by default, {@code --rabbitmq} for the RabbitMQ broker) and
 * deletes; a receive endpoint consumes. The baseline stores a body of the same size in a plain queue
 * table and a poller thread ({@code SELECT … FOR UPDATE SKIP LOCKED LIMIT 500}, delete, commit,
 * {@code --poll-ms} (10 ms) sleep when empty) hands rows to a callback: the floor cost of a
 * database relay, with no serialization, broker or consumer pipeline.
 *
 * <pre>
 * ./mvnw -q -pl benchmarks -am package -DskipTests exec:exec \
 *   -Dexec.args="-classpath %classpath dev.omnibus.benchmarks.outbox.OutboxBenchmark --messages 20000"
 * </pre>
 *
 * Database: {@code OMNIBUS_POSTGRES_URL} or {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres};
 * the run works in a schema of its own and drops it at the end.
 */
public final class OutboxBenchmark {
    /** The message: its number in the run, and a payload. */
    public record OrderPlaced(int n, String payload) {
    }

    private final String url;
    private final int messages;
    private final int producers;
    private final int rate;
    private final int seconds;
    private final int pollMs;
    private final boolean rabbit;
    private final boolean listen;
    private final int backlog;
    private final int rounds;
    private final String schema = "omnibus_bench_" + UUID.randomUUID().toString().substring(0, 8);
    private final String payload = "x".repeat(200);
    private HikariDataSource ds;

    private OutboxBenchmark(String[] args) {
        String u = System.getenv().getOrDefault("OMNIBUS_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        int m = 20_000;
        int p = 4;
        int r = 200;
        int s = 5;
        int poll = 10;
        boolean rb = false;
        boolean nl = false;
        int bl = 0;
        int rn = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> u = args[++i];
                case "--messages" -> m = Integer.parseInt(args[++i]);
                case "--producers" -> p = Integer.parseInt(args[++i]);
                case "--rate" -> r = Integer.parseInt(args[++i]);
                case "--seconds" -> s = Integer.parseInt(args[++i]);
                case "--poll-ms" -> poll = Integer.parseInt(args[++i]);
                case "--rabbitmq" -> rb = true;
                case "--no-listen" -> nl = true;
                case "--backlog" -> bl = Integer.parseInt(args[++i]);
                case "--rounds" -> rn = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --url, --messages, --producers, --rate, --seconds, --poll-ms, --rabbitmq, --no-listen, --backlog, --rounds)");
            }
        }
        this.url = u;
        this.messages = m;
        this.producers = p;
        this.rate = r;
        this.seconds = s;
        this.pollMs = poll;
        this.rabbit = rb;
        this.listen = !nl;
        this.backlog = bl;
        this.rounds = rn;
    }

    public static void main(String[] args) throws Exception {
        new OutboxBenchmark(args).run();
    }

    private void run() throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
        cfg.setMaximumPoolSize(producers + 8);
        cfg.addDataSourceProperty("ApplicationName", schema); // how the CPU meter finds this run's server processes
        ds = new HikariDataSource(cfg);
        try {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE bench_orders (id BIGSERIAL PRIMARY KEY, n INT NOT NULL)");
                s.execute("CREATE TABLE bench_queue (id BIGSERIAL PRIMARY KEY, n INT NOT NULL, body BYTEA NOT NULL)");
            }
            JdbcOutbox.builder(ds).build().migrate();
            if (backlog > 0) {
                System.out.println("warm-up drain (not counted)");
                drainBacklog(Math.min(backlog, 100_000), false);
                drainBacklog(backlog, true);
                return;
            }
            System.out.printf(Locale.ROOT, "Outbox benchmark: PostgreSQL, transport %s, LISTEN/NOTIFY %s, %d producers, %d messages; latency run %d/s for %d s; baseline polls every %d ms%n",
                    rabbit ? "RabbitMQ" : "in-memory", listen ? "on" : "off", producers, messages, rate, seconds, pollMs);
            // warm-up, not counted
            outbox(Math.min(2_000, messages), producers, 0);
            baseline(Math.min(2_000, messages), producers, 0);
            List<String> rows = new ArrayList<>();
            double[] base = new double[rounds];
            double[] box = new double[rounds];
            double[] ratio = new double[rounds];
            double[] cost = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                Result b = baseline(messages, producers, 0);
                Result o = outbox(messages, producers, 0);
                base[round] = b.rate();
                box[round] = o.rate();
                ratio[round] = o.rate() / b.rate();
                cost[round] = b.cpuPerMessage() / o.cpuPerMessage();
                rows.add(b.line("baseline throughput"));
                rows.add(o.line("outbox   throughput") + String.format(Locale.ROOT, "   ratio %.2f, CPU %.2f", ratio[round], cost[round]));
            }
            rows.add(baseline(rate * seconds, 1, rate).line("baseline latency   "));
            rows.add(outbox(rate * seconds, 1, rate).line("outbox   latency   "));
            System.out.println("run                  msgs/s    p50 ms   p99 ms   max ms  jvm µs/msg  db µs/msg");
            rows.forEach(System.out::println);
            System.out.printf(Locale.ROOT, "throughput over %d rounds: baseline best %.0f median %.0f; outbox best %.0f median %.0f;"
                    + " outbox/baseline per round: best %.2f median %.2f%n", rounds, LoadComparison.max(base), LoadComparison.median(base),
                    LoadComparison.max(box), LoadComparison.median(box), LoadComparison.max(ratio), LoadComparison.median(ratio));
            System.out.printf(Locale.ROOT, "CPU per message (JVM + this run's PostgreSQL processes), baseline/outbox per round: best %.2f"
                    + " median %.2f%n", LoadComparison.max(cost), LoadComparison.median(cost));
        } finally {
            ds.close();
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    /**
     * Writes {@code --backlog} rows with no dispatcher running, then starts one and reports the
     * drain rate of each tenth of the backlog: a claim that decays with the backlog shows as a
     * slower first tenth.
     */
    private void drainBacklog(int backlog, boolean print) throws Exception {
        JdbcOutbox outbox = JdbcOutbox.builder(ds).listen(listen).build();
        String queue = "bench_" + UUID.randomUUID().toString().substring(0, 8);
        long t0 = System.nanoTime();
        try (Bus writer = Bus.builder().name("bench-writer").transport(InMemoryTransport.create()).start()) {
            dev.omnibus.Address to = dev.omnibus.Address.queue(queue);
            int perTx = 500;
            for (int base = 0; base < backlog; base += perTx) {
                int b = base;
                outbox.inTransaction(writer, (c, p) -> {
                    for (int k = b; k < Math.min(backlog, b + perTx); k++) {
                        p.send(to, new OrderPlaced(k, payload));
                    }
                });
            }
        }
        System.out.printf(Locale.ROOT, "backlog of %d rows written in %.1f s; draining%n", backlog, (System.nanoTime() - t0) / 1e9);
        AtomicLongArray delivered = new AtomicLongArray(backlog);
        AtomicInteger count = new AtomicInteger();
        long[] marks = new long[11];
        InMemoryBroker broker = InMemoryBroker.create();
        JdbcOutbox dispatching = JdbcOutbox.builder(ds).listen(listen).build();
        CountDownLatch done = new CountDownLatch(backlog);
        try (Bus consumer = Bus.builder().name("bench-consumer").transport(InMemoryTransport.connect(broker))
                .receiveEndpoint(queue, e -> e.concurrency(4).prefetch(500).consumer(OrderPlaced.class, ctx -> {
                    if (delivered.compareAndSet(ctx.message().n(), 0, 1)) {
                        int c = count.incrementAndGet();
                        if (c % (backlog / 10) == 0) {
                            marks[c / (backlog / 10)] = System.nanoTime();
                        }
                        done.countDown();
                    }
                }))
                .start()) {
            marks[0] = System.nanoTime();
            try (Bus bus = Bus.builder().name("bench-dispatcher").transport(InMemoryTransport.connect(broker))
                    .scheduler(dispatching.scheduler()).start()) {
                if (!done.await(30, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("backlog not drained in 30 minutes");
                }
            }
        }
        if (!print) {
            return;
        }
        System.out.println("tenth   msgs/s");
        for (int i = 1; i <= 10; i++) {
            System.out.printf(Locale.ROOT, "%5d %8.0f%n", i, (backlog / 10) / ((marks[i] - marks[i - 1]) / 1e9));
        }
        System.out.printf(Locale.ROOT, "whole %8.0f%n", backlog / ((marks[10] - marks[0]) / 1e9));
    }

    /** What one measurement saw. */
    private record Result(int n, long nanos, long[] latencies, long jvmCpuNanos, long dbCpuNanos) {
        double rate() {
            return n / (nanos / 1e9);
        }

        /** CPU time per message, this JVM and this run's PostgreSQL server processes together, in µs. */
        double cpuPerMessage() {
            return (jvmCpuNanos + dbCpuNanos) / 1e3 / n;
        }

        String line(String name) {
            long[] l = latencies.clone();
            Arrays.sort(l);
            return String.format(Locale.ROOT, "%s %9.0f %8.2f %8.2f %8.2f %8.0f %8.0f", name, n / (nanos / 1e9),
                    l[(int) (l.length * 0.50)] / 1e6, l[Math.min(l.length - 1, (int) (l.length * 0.99))] / 1e6, l[l.length - 1] / 1e6,
                    jvmCpuNanos / 1e3 / n, dbCpuNanos < 0 ? Double.NaN : dbCpuNanos / 1e3 / n);
        }
    }

    /** Runs n transactions from {@code threads} threads (paced to {@code perSecond} overall if above 0). */
    private Result measure(int n, int threads, int perSecond, TxWork work, AtomicLongArray delivered, CountDownLatch done)
            throws Exception {
        AtomicLongArray committing = new AtomicLongArray(n);
        AtomicInteger next = new AtomicInteger();
        CpuMeter cpu = new CpuMeter();
        long start = System.nanoTime();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                int i;
                while ((i = next.getAndIncrement()) < n) {
                    if (perSecond > 0) {
                        long slot = start + (long) (i * (1e9 / perSecond));
                        long wait = slot - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                    int k = i;
                    try {
                        work.run(k, () -> committing.set(k, System.nanoTime()));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, "bench-producer-" + t);
            th.start();
            ts.add(th);
        }
        for (Thread th : ts) {
            th.join();
        }
        if (!done.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("not all messages delivered within 5 minutes");
        }
        long end = 0;
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            end = Math.max(end, delivered.get(i));
            lat[i] = Math.max(0, delivered.get(i) - committing.get(i));
        }
        return new Result(n, end - start, lat, cpu.jvmNanos(), cpu.dbNanos());
    }

    /**
     * CPU time since construction of this JVM and of the PostgreSQL server processes serving this
     * run's pool (found by application name in {@code pg_stat_activity}, read from {@code /proc}:
     * only when the database runs on this Linux machine, else -1). Server processes shared by all
     * sessions (WAL writer, checkpointer) are not counted. CPU per message is steadier than
     * messages per second on a machine others share: it does not depend on who else runs.
     */
    private final class CpuMeter {
        private final long jvm0 = jvmCpu();
        private final java.util.Map<Integer, Long> db0 = dbTicks();

        long jvmNanos() {
            return jvmCpu() - jvm0;
        }

        long dbNanos() {
            java.util.Map<Integer, Long> now = dbTicks();
            if (now.isEmpty()) {
                return -1;
            }
            long ticks = 0;
            for (var e : now.entrySet()) {
                ticks += e.getValue() - db0.getOrDefault(e.getKey(), 0L); // a process started meanwhile counts from 0
            }
            return ticks * 10_000_000L; // USER_HZ is 100 on Linux
        }

        private static long jvmCpu() {
            return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }

        private java.util.Map<Integer, Long> dbTicks() {
            java.util.Map<Integer, Long> ticks = new java.util.HashMap<>();
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?")) {
                ps.setString(1, schema);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        java.nio.file.Path stat = java.nio.file.Path.of("/proc", String.valueOf(rs.getInt(1)), "stat");
                        if (!java.nio.file.Files.isReadable(stat)) {
                            return java.util.Map.of();
                        }
                        String line = java.nio.file.Files.readString(stat);
                        String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
                        ticks.put(rs.getInt(1), Long.parseLong(f[11]) + Long.parseLong(f[12])); // utime, stime
                    }
                }
            } catch (SQLException | java.io.IOException | RuntimeException e) {
                return java.util.Map.of();
            }
            return ticks;
        }
    }

    /** One transaction's work; {@code beforeCommit} marks the start of the commit. */
    @FunctionalInterface
    private interface TxWork {
        void run(int n, Runnable beforeCommit) throws Exception;
    }

    private static void insertOrder(Connection c, int n) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO bench_orders (n) VALUES (?)")) {
            ps.setInt(1, n);
            ps.executeUpdate();
        }
    }

    private Result outbox(int n, int threads, int perSecond) throws Exception {
        AtomicLongArray delivered = new AtomicLongArray(n);
        CountDownLatch done = new CountDownLatch(n);
        String queue = "bench_" + UUID.randomUUID().toString().substring(0, 8);
        InMemoryBroker broker = InMemoryBroker.create();
        String amqp = System.getenv().getOrDefault("OMNIBUS_RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672/");
        java.util.function.Supplier<Transport> transport = () -> rabbit ? RabbitMqTransport.fromUri(amqp) : InMemoryTransport.connect(broker);
        JdbcOutbox outbox = JdbcOutbox.builder(ds).listen(listen).build();
        IntConsumer consumed = k -> {
            if (delivered.compareAndSet(k, 0, System.nanoTime())) {
                done.countDown();
            }
        };
        try (Bus consumer = Bus.builder().name("bench-consumer").transport(transport.get())
                .receiveEndpoint(queue, e -> e.concurrency(4).prefetch(500)
                        .consumer(OrderPlaced.class, ctx -> consumed.accept(ctx.message().n())))
                .start();
                Bus bus = Bus.builder().name("bench-producer").transport(transport.get()).scheduler(outbox.scheduler()).start()) {
            dev.omnibus.Address to = dev.omnibus.Address.queue(queue);
            return measure(n, threads, perSecond, (k, beforeCommit) -> outbox.inTransaction(bus, (c, p) -> {
                insertOrder(c, k);
                p.send(to, new OrderPlaced(k, payload));
                beforeCommit.run();
            }), delivered, done);
        }
    }

    private Result baseline(int n, int threads, int perSecond) throws Exception {
        AtomicLongArray delivered = new AtomicLongArray(n);
        CountDownLatch done = new CountDownLatch(n);
        byte[] body = new byte[payload.length() + 350]; // about the size of the outbox's JSON envelope
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread poller = new Thread(() -> {
            while (running.get()) {
                int got = 0;
                try (Connection c = ds.getConnection()) {
                    c.setAutoCommit(false);
                    List<Long> ids = new ArrayList<>();
                    try (PreparedStatement ps = c.prepareStatement(
                            "SELECT id, n, body FROM bench_queue ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED");
                            ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getLong(1));
                            int k = rs.getInt(2);
                            rs.getBytes(3);
                            if (delivered.compareAndSet(k, 0, System.nanoTime())) {
                                done.countDown();
                            }
                        }
                    }
                    if (!ids.isEmpty()) {
                        try (PreparedStatement del = c.prepareStatement("DELETE FROM bench_queue WHERE id = ANY(?)")) {
                            Array a = c.createArrayOf("BIGINT", ids.toArray(new Long[0]));
                            del.setArray(1, a);
                            del.executeUpdate();
                        }
                    }
                    c.commit();
                    got = ids.size();
                } catch (SQLException e) {
                    System.err.println("baseline poller: " + e);
                }
                if (got == 0) {
                    LockSupport.parkNanos(pollMs * 1_000_000L);
                }
            }
        }, "bench-poller");
        poller.start();
        try {
            return measure(n, threads, perSecond, (k, beforeCommit) -> {
                try (Connection c = ds.getConnection()) {
                    c.setAutoCommit(false);
                    insertOrder(c, k);
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO bench_queue (n, body) VALUES (?, ?)")) {
                        ps.setInt(1, k);
                        ps.setBytes(2, body);
                        ps.executeUpdate();
                    }
                    beforeCommit.run();
                    c.commit();
                }
            }, delivered, done);
        } finally {
            running.set(false);
            poller.join();
        }
    }
}
