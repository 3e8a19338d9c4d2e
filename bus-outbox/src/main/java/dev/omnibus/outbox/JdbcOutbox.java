package dev.omnibus.outbox;

import dev.omnibus.Bus;
import dev.omnibus.ConfigurationException;
import dev.omnibus.ConsumeContext;
import dev.omnibus.MessagePublisher;
import dev.omnibus.spi.Filter;
import dev.omnibus.spi.Scheduler;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The transactional outbox, idempotent inbox and durable scheduler on a JDBC database
 * (PostgreSQL or H2).
 *
 * <pre>{@code
 * JdbcOutbox outbox = JdbcOutbox.builder(dataSource).build();
 * outbox.migrate();                                          // or apply the shipped SQL yourself
 * try (Bus bus = Bus.builder()
 *         .transport(transport)
 *         .scheduler(outbox.scheduler())                     // runs the delivery service, with the bus's transport
 *         .receiveEndpoint("billing", e -> e
 *             .filter(outbox.inbox())                        // exactly-once effect for this endpoint
 *             .consumer(OrderSubmitted.class, ctx -> {
 *                 Connection c = JdbcOutbox.connection(ctx); // the consumer's transaction
 *                 invoices.insert(c, ctx.message());
 *                 ctx.publish(new InvoiceCreated(ctx.message().orderId()));   // a row in that transaction
 *             }))
 *         .start()) {
 *     outbox.inTransaction(bus, (connection, publisher) -> {
 *         orders.insert(connection, order);                  // the business write
 *         publisher.publish(new OrderSubmitted(order.id(), order.customer(), order.total()));
 *     });                                                    // both commit, or neither
 * }
 * }</pre>
 *
 * <h2>What it guarantees</h2>
 * A message written through the outbox reaches the transport if and only if its transaction
 * commits, at least once (a dispatcher that dies after the transport confirmed but before it
 * removed the rows sends them again). The inbox filter makes the consumer's effect happen once per
 * message id. Order is kept per partition key (the correlation id by default) and, for messages
 * without one, per transaction. See {@code docs/outbox.md}.
 *
 * <h2>Threads and failures</h2>
 * Thread-safe. {@link #inTransaction} runs on the caller's thread and throws the
 * {@link SQLException} of the database, or what the work threw, after rolling back. The delivery
 * service runs on its own thread once the bus started {@link #scheduler()}; while the transport
 * fails it backs off (100 ms doubling to 30 s by default) and keeps the rows.
 *
 * <h2>Defaults</h2>
 * Batches of 500 rows, up to 8 of the 16 lanes per claim, polling every 500 ms (on PostgreSQL a commit
 * wakes it at once through {@code LISTEN/NOTIFY}), 30 s to confirm a batch, inbox rows kept 7 days.
 */
public final class JdbcOutbox {
    private final DataSource dataSource;
    private final SqlDialect dialect;
    private final OutboxSettings settings;
    private final OutboxDispatcher dispatcher;
    /** Whether rows were committed while no relay ran here (warned once). */
    private final java.util.concurrent.atomic.AtomicBoolean noRelayWarned = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile OutboxDispatcher running;
    private final CommitNotifier notifier; // null unless PostgreSQL with listen on
    /** The payload of this outbox's NOTIFYs, by which its own listener knows them. */
    private final String origin = java.util.UUID.randomUUID().toString();

    private JdbcOutbox(Builder b, OutboxSettings settings, SqlDialect dialect) {
        this.dataSource = b.dataSource;
        this.dialect = dialect;
        this.settings = settings;
        this.dispatcher = new OutboxDispatcher(this, settings);
        this.notifier = dialect == SqlDialect.POSTGRESQL && b.listen ? new CommitNotifier(b.dataSource, b.name, origin) : null;
    }

    /** A builder over {@code dataSource} (a pool such as HikariCP in production: the dispatcher and every inbox transaction take a connection). */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** The work of one transaction: the business writes, and the messages they cause. */
    @FunctionalInterface
    public interface TransactionWork {
        void run(Connection connection, MessagePublisher publisher) throws SQLException;
    }

    /**
     * Runs {@code work} in a new transaction on a connection of the data source, with a publisher
     * whose messages are rows of that transaction, and commits. If {@code work} throws, or the
     * commit fails, the transaction rolls back and nothing is ever sent.
     *
     * @throws SQLException from the database (after rolling back)
     */
    public void inTransaction(Bus bus, TransactionWork work) throws SQLException {
        Objects.requireNonNull(bus, "bus");
        Objects.requireNonNull(work, "work");
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                OutboxRows rows = rows(c, true);
                work.run(c, bus.producer(rows));
                rows.flush();
                step(ProtocolStep.BUSINESS_WRITE);
                c.commit();
                if (rows.written() > 0) {
                    step(ProtocolStep.COMMIT);
                    committed();
                }
            } catch (Throwable e) {
                rollback(c, e);
                throw OutboxTable.rethrow(e);
            } finally {
                try {
                    c.setAutoCommit(auto);
                } catch (SQLException ignored) {
                    // the connection is closed next anyway
                }
            }
        }
    }

    /**
     * A publisher that writes rows on {@code connection}, in the transaction its owner controls
     * (autocommit off, committed or rolled back by the caller). The dispatcher picks the rows up
     * after the commit: at once on PostgreSQL, at the next poll on H2. Use it from the thread that
     * uses the connection.
     */
    public MessagePublisher publisher(Bus bus, Connection connection) {
        return bus.producer(rows(Objects.requireNonNull(connection, "connection"), false));
    }

    /**
     * The durable scheduler that is also the delivery service: pass it to
     * {@code BusBuilder.scheduler(...)}. When the bus starts, it checks the schema, starts the
     * dispatcher with the bus's transport and clock, and from then on scheduled sends and delayed
     * redeliveries are rows with a due time that survive restarts. One outbox serves one bus.
     */
    public Scheduler scheduler() {
        return dispatcher;
    }

    /**
     * The inbox filter for a receive endpoint ({@code ReceiveEndpointBuilder.filter(outbox.inbox())}):
     * each delivery runs in a database transaction that records (message id, endpoint name) in the
     * inbox, runs the consumers with their published, sent and responded messages written as outbox
     * rows of that transaction, and commits. A message whose inbox row exists is acknowledged
     * without running the consumers. The consumers reach the transaction with {@link #connection}.
     * Add it as the endpoint's first filter; retries run inside it, one transaction per attempt.
     */
    public Filter inbox() {
        return new InboxFilter(this, null);
    }

    /** As {@link #inbox()}, recording messages under {@code consumerName} instead of the endpoint's name. */
    public Filter inbox(String consumerName) {
        return new InboxFilter(this, Objects.requireNonNull(consumerName, "consumerName"));
    }

    /**
     * The connection of the inbox transaction a consumer runs in.
     *
     * @throws IllegalStateException when the endpoint has no {@link #inbox()} filter
     */
    public static Connection connection(ConsumeContext<?> context) {
        return context.attribute(Connection.class).orElseThrow(() -> new IllegalStateException(
                "no outbox transaction on endpoint '" + context.endpoint() + "': add .filter(outbox.inbox()) to it"));
    }

    /**
     * Cancels a scheduled message by its token: its message id (what a delayed {@code publisher.send}
     * returned, what {@link Scheduler#schedule} returned; {@code ConsumeContext.cancelScheduledSend}
     * lands here too). Every pending message with that id is withdrawn (a delayed redelivery copy
     * shares its message's id). False when none was pending (sent already, or unknown).
     */
    public boolean cancel(UUID token) {
        try {
            return OutboxTable.cancel(dataSource, settings.tables(), token);
        } catch (SQLException e) {
            throw new dev.omnibus.TransportException("cancelling scheduled message " + token + " failed: " + e.getMessage(), e, true);
        }
    }

    /** Creates or upgrades the schema (the SQL under {@code dev/omnibus/outbox/schema/}); returns the number of versions applied. */
    public int migrate() throws SQLException {
        return Schema.migrate(dataSource, dialect, settings.tables());
    }

    /** Throws {@link ConfigurationException} saying what to do when the schema is missing or outdated (the scheduler checks at start). */
    public void checkSchema() {
        Schema.check(dataSource, dialect, settings.tables());
    }

    /** Rows not yet handed to the transport (due or scheduled). */
    public long pending() throws SQLException {
        return OutboxTable.count(dataSource, settings.tables());
    }

    /** Removes inbox rows older than the retention; the dispatcher does it every clean-up interval. Returns how many. */
    public int cleanUp() throws SQLException {
        return OutboxTable.cleanUpInbox(dataSource, settings.tables(), settings.inboxRetention());
    }

    /** The database dialect in use. */
    public SqlDialect dialect() {
        return dialect;
    }

    /**
     * Rows on {@code c}. Buffered rows are written by flush(); their owner commits and calls
     * {@link #committed()}, which wakes the dispatchers (on PostgreSQL a NOTIFY after the commit, one
     * per burst). Unbuffered rows (a transaction the outbox does not see end) NOTIFY inside the
     * transaction, once, on PostgreSQL unless listen(false).
     */
    OutboxRows rows(Connection c, boolean buffered) {
        return new OutboxRows(c, notifier != null && !buffered, buffered, dialect, settings.tables());
    }

    CommitNotifier notifier() {
        return notifier;
    }

    /** The payload of this outbox's NOTIFYs after commits it saw (its dispatcher was woken directly). */
    String origin() {
        return origin;
    }

    DataSource dataSource() {
        return dataSource;
    }

    OutboxSettings settings() {
        return settings;
    }

    void step(ProtocolStep step) throws Exception {
        settings.steps().reached(step);
    }

    void attach(OutboxDispatcher d) {
        running = d;
    }

    void detach(OutboxDispatcher d) {
        if (running == d) {
            running = null;
        }
    }

    /** A transaction with outbox rows committed in this process: wake the dispatcher here, and (NOTIFY) elsewhere. */
    void committed() {
        OutboxDispatcher d = running;
        if (d != null) {
            d.wake();
        } else if (noRelayWarned.compareAndSet(false, true)) {
            org.slf4j.LoggerFactory.getLogger(JdbcOutbox.class).warn("Outbox {}: rows were committed but no relay runs in "
                    + "this process (no started bus has BusBuilder.scheduler(outbox.scheduler())): they wait in the table "
                    + "until one runs here or in another process", settings.name());
        }
        if (notifier != null) {
            notifier.committed();
        }
    }

    static void rollback(Connection c, Throwable cause) {
        OutboxTable.rollback(c, cause);
    }

    /**
     * Configures a {@link JdbcOutbox}. {@link #build()} checks every setting and reports all
     * problems in one {@link ConfigurationException}; it connects once to detect the database.
     * Not thread-safe.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private SqlDialect dialect;
        private String name = "outbox";
        private int batchSize = 500;
        private int lanesPerClaim = 8;
        private Duration pollInterval = Duration.ofMillis(500);
        private Duration sendTimeout = Duration.ofSeconds(30);
        private Duration minBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Duration inboxRetention = Duration.ofDays(7);
        private Duration cleanUpInterval = Duration.ofMinutes(1);
        private Duration stopTimeout = Duration.ofSeconds(10);
        private boolean listen = true;
        private StepListener steps = StepListener.NONE;
        private String schema;
        private String tablePrefix = Tables.DEFAULT_PREFIX;

        private Builder(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /** The database (default: detected from the connection). */
        public Builder dialect(SqlDialect dialect) {
            this.dialect = dialect;
            return this;
        }

        /** A name for threads and logs (default {@code outbox}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** The most rows one lane (and the scheduled rows) gives per pass (default 500). */
        public Builder batchSize(int rows) {
            this.batchSize = rows;
            return this;
        }

        /** Lanes with work a dispatcher takes per pass, of 16 (default 8): lower leaves more to other dispatchers. */
        public Builder lanesPerClaim(int lanes) {
            this.lanesPerClaim = lanes;
            return this;
        }

        /** How often an idle dispatcher looks for rows (default 500 ms; PostgreSQL commits wake it at once). */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = interval;
            return this;
        }

        /** How long the transport may take to confirm a batch before it is sent again later (default 30 s). */
        public Builder sendTimeout(Duration timeout) {
            this.sendTimeout = timeout;
            return this;
        }

        /** The wait after a failed pass, doubling from {@code min} up to {@code max} (default 100 ms to 30 s). */
        public Builder backoff(Duration min, Duration max) {
            this.minBackoff = min;
            this.maxBackoff = max;
            return this;
        }

        /** How long inbox rows are kept, the window in which a redelivered message is recognised (default 7 days). */
        public Builder inboxRetention(Duration retention) {
            this.inboxRetention = retention;
            return this;
        }

        /** How often the dispatcher removes old inbox rows (default 1 minute). */
        public Builder cleanUpInterval(Duration interval) {
            this.cleanUpInterval = interval;
            return this;
        }

        /** How long a stopping dispatcher may finish its batch before it is interrupted (default 10 s). */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = timeout;
            return this;
        }

        /**
         * Whether writers NOTIFY and the dispatcher LISTENs on PostgreSQL (default true); off, the
         * dispatcher polls (and is woken by commits in its own process). Set it the same in every
         * process sharing the tables.
         */
        public Builder listen(boolean listen) {
            this.listen = listen;
            return this;
        }

        /**
         * The database schema holding the outbox's tables (default: none, so the connection's search
         * path or default schema decides). A lower-case SQL identifier; {@link JdbcOutbox#migrate()}
         * creates the schema if it does not exist. Set it alike in every process sharing the tables.
         */
        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        /**
         * The prefix of the outbox's table and index names (default {@code omnibus_}: tables
         * {@code omnibus_outbox}, {@code omnibus_outbox_lane}, {@code omnibus_inbox}, {@code omnibus_schema}).
         * A lower-case SQL identifier. Set it alike in every process sharing the tables.
         */
        public Builder tablePrefix(String prefix) {
            this.tablePrefix = prefix;
            return this;
        }

        /** Hears each protocol step (crash tests). */
        public Builder stepListener(StepListener listener) {
            this.steps = listener;
            return this;
        }

        /** Checks the settings, detects the database, and builds the outbox (nothing starts until a bus starts its scheduler). */
        public JdbcOutbox build() {
            OutboxSettings settings = new OutboxSettings(name, batchSize, lanesPerClaim, pollInterval, sendTimeout, minBackoff,
                    maxBackoff, inboxRetention, cleanUpInterval, stopTimeout, listen, steps,
                    Tables.problems(schema, tablePrefix).isEmpty() ? new Tables(schema, tablePrefix) : null);
            List<String> problems = new ArrayList<>();
            if (dataSource == null) {
                problems.add("no DataSource: JdbcOutbox.builder(dataSource)");
            }
            problems.addAll(settings.problems());
            problems.addAll(Tables.problems(schema, tablePrefix));
            SqlDialect d = dialect;
            if (problems.isEmpty() && d == null) {
                try (Connection c = dataSource.getConnection()) {
                    d = SqlDialect.detect(c);
                } catch (SQLException e) {
                    problems.add("cannot connect to detect the database (" + e.getMessage() + "): fix the DataSource, or set dialect(...)");
                } catch (ConfigurationException e) {
                    problems.addAll(e.problems());
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException(problems);
            }
            return new JdbcOutbox(this, settings, d);
        }
    }

    /** Whether rows were committed while no relay ran in this process (the warning was logged). For tests. */
    boolean warnedNoRelay() {
        return noRelayWarned.get();
    }
}
