package dev.omnibus.saga.jdbc;

import dev.omnibus.ConcurrencyException;
import dev.omnibus.ConfigurationException;
import dev.omnibus.ConsumeContext;
import dev.omnibus.saga.SagaRecord;
import dev.omnibus.saga.spi.SagaRepository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A {@link SagaRepository} in a SQL table, on PostgreSQL or H2: one row per instance with the
 * state's name, a version column for optimistic concurrency and the instance as JSON ({@code jsonb}
 * on PostgreSQL, text on H2). One table holds every saga type, keyed by (saga type, correlation id).
 *
 * <pre>{@code
 * JdbcSagaRepository orders = JdbcSagaRepository.builder(dataSource, "OrderSaga").build();
 * orders.createSchema();                 // or apply dev/omnibus/saga/jdbc/postgresql.sql yourself
 * }</pre>
 *
 * <p>The schema is in the jar: {@code dev/omnibus/saga/jdbc/postgresql.sql} and {@code h2.sql}, with
 * {@code {table}} standing for the table name. Each operation is one statement; an update or delete
 * whose version no longer matches, and an insert of an id that exists, throw
 * {@link ConcurrencyException} (retryable). Other database failures are wrapped in
 * {@link IllegalStateException} naming the operation and instance. Thread-safe.
 */
public final class JdbcSagaRepository implements SagaRepository {
    /** The SQL dialects supported. */
    public enum Dialect {
        POSTGRESQL("postgresql.sql", "?::jsonb", " ON CONFLICT DO NOTHING"),
        H2("h2.sql", "?", "");

        private final String schema;
        private final String jsonParam;
        private final String onConflict;

        Dialect(String schema, String jsonParam, String onConflict) {
            this.schema = schema;
            this.jsonParam = jsonParam;
            this.onConflict = onConflict;
        }
    }

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");

    private final ConnectionProvider connections;
    private final String sagaType;
    private final String table;
    private final Dialect dialect;
    private final String select;
    private final String insert;
    private final String update;
    private final String delete;

    private JdbcSagaRepository(Builder b) {
        this(b.connections, b.sagaType, b.table, b.dialect);
    }

    private JdbcSagaRepository(ConnectionProvider connections, String sagaType, String table, Dialect dialect) {
        this.connections = connections;
        this.sagaType = sagaType;
        this.table = table;
        this.dialect = dialect;
        this.select = "SELECT current_state, version, data FROM " + table + " WHERE saga_type = ? AND correlation_id = ?";
        this.insert = "INSERT INTO " + table + " (saga_type, correlation_id, current_state, version, data) VALUES (?, ?, ?, ?, "
                + dialect.jsonParam + ")" + dialect.onConflict;
        this.update = "UPDATE " + table + " SET current_state = ?, version = ?, data = " + dialect.jsonParam
                + ", updated_at = CURRENT_TIMESTAMP WHERE saga_type = ? AND correlation_id = ? AND version = ?";
        this.delete = "DELETE FROM " + table + " WHERE saga_type = ? AND correlation_id = ? AND version = ?";
    }

    /** A builder for the instances of saga type {@code sagaType} (usually {@code machine.name()}) in {@code dataSource}. */
    public static Builder builder(DataSource dataSource, String sagaType) {
        return new Builder(ConnectionProvider.of(Objects.requireNonNull(dataSource, "dataSource")), sagaType);
    }

    /** A builder using {@code connections} (for example to share a transaction; see {@link ConnectionProvider}). */
    public static Builder builder(ConnectionProvider connections, String sagaType) {
        return new Builder(Objects.requireNonNull(connections, "connections"), sagaType);
    }

    /** Configures a {@link JdbcSagaRepository}. Defaults: table {@code omnibus_saga}, dialect detected from the connection. */
    public static final class Builder {
        private final ConnectionProvider connections;
        private final String sagaType;
        private String table = "omnibus_saga";
        private Dialect dialect;

        private Builder(ConnectionProvider connections, String sagaType) {
            this.connections = connections;
            this.sagaType = sagaType;
        }

        /** The table (optionally schema-qualified), default {@code omnibus_saga}. */
        public Builder table(String table) {
            this.table = table;
            return this;
        }

        /** The dialect, instead of detecting it from the database's product name. */
        public Builder dialect(Dialect dialect) {
            this.dialect = Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /**
         * Builds the repository (detecting the dialect opens one connection).
         *
         * @throws ConfigurationException listing every problem
         */
        public JdbcSagaRepository build() {
            List<String> problems = new ArrayList<>();
            if (sagaType == null || sagaType.isBlank() || sagaType.length() > 200) {
                problems.add("saga type must be 1 to 200 characters, was " + sagaType);
            }
            if (table == null || !IDENTIFIER.matcher(table).matches()) {
                problems.add("table must be a SQL identifier (letters, digits, _; optionally schema.table), was " + table);
            }
            if (problems.isEmpty() && dialect == null) {
                try {
                    String product = connections.withConnection(c -> c.getMetaData().getDatabaseProductName());
                    String p = product.toLowerCase(Locale.ROOT);
                    dialect = p.contains("postgres") ? Dialect.POSTGRESQL : p.contains("h2") ? Dialect.H2 : null;
                    if (dialect == null) {
                        problems.add("database " + product + " is not supported: use PostgreSQL or H2, or set dialect(...)");
                    }
                } catch (SQLException e) {
                    problems.add("cannot reach the database to detect its dialect (" + e.getMessage() + "): check the data source or set dialect(...)");
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigurationException(problems);
            }
            return new JdbcSagaRepository(this);
        }
    }

    /**
     * This repository on the connections {@link ConnectionProvider#during} gives for
     * {@code delivery} (this repository itself when that is the same provider).
     */
    @Override
    public SagaRepository during(ConsumeContext<?> delivery) {
        ConnectionProvider p = connections.during(delivery);
        return p == connections ? this : new JdbcSagaRepository(p, sagaType, table, dialect);
    }

    /** The dialect in use. */
    public Dialect dialect() {
        return dialect;
    }

    /** The schema script for this repository's dialect and table. */
    public String schemaSql() {
        try (InputStream in = JdbcSagaRepository.class.getResourceAsStream(dialect.schema)) {
            return new String(Objects.requireNonNull(in, dialect.schema).readAllBytes(), StandardCharsets.UTF_8)
                    .replace("{table}", table);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + dialect.schema + " from the jar", e);
        }
    }

    /** Creates the table and index if they do not exist. */
    public void createSchema() {
        String sql = schemaSql().replaceAll("(?m)^--.*$", "");
        run("create schema", null, c -> {
            try (Statement st = c.createStatement()) {
                for (String s : sql.split(";")) {
                    if (!s.isBlank()) {
                        st.execute(s);
                    }
                }
            }
            return null;
        });
    }

    @Override
    public Optional<SagaRecord> find(UUID id) {
        return run("find", id, c -> {
            try (PreparedStatement ps = c.prepareStatement(select)) {
                ps.setString(1, sagaType);
                ps.setObject(2, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new SagaRecord(id, rs.getString(1), rs.getLong(2), rs.getString(3)));
                }
            }
        });
    }

    @Override
    public void insert(SagaRecord r) {
        int n = run("insert", r.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement(insert)) {
                ps.setString(1, sagaType);
                ps.setObject(2, r.id());
                ps.setString(3, r.state());
                ps.setLong(4, r.version());
                ps.setString(5, r.json());
                return ps.executeUpdate();
            } catch (SQLException e) {
                if ("23505".equals(e.getSQLState())) {
                    return 0;
                }
                throw e;
            }
        });
        if (n != 1) {
            throw new ConcurrencyException(sagaType + " instance " + r.id() + " was created concurrently");
        }
    }

    @Override
    public void update(SagaRecord r) {
        int n = run("update", r.id(), c -> {
            try (PreparedStatement ps = c.prepareStatement(update)) {
                ps.setString(1, r.state());
                ps.setLong(2, r.version());
                ps.setString(3, r.json());
                ps.setString(4, sagaType);
                ps.setObject(5, r.id());
                ps.setLong(6, r.version() - 1);
                return ps.executeUpdate();
            }
        });
        if (n != 1) {
            throw new ConcurrencyException(sagaType + " instance " + r.id() + " changed since version " + (r.version() - 1));
        }
    }

    @Override
    public void delete(UUID id, long version) {
        int n = run("delete", id, c -> {
            try (PreparedStatement ps = c.prepareStatement(delete)) {
                ps.setString(1, sagaType);
                ps.setObject(2, id);
                ps.setLong(3, version);
                return ps.executeUpdate();
            }
        });
        if (n != 1) {
            throw new ConcurrencyException(sagaType + " instance " + id + " changed since version " + version + " or is gone");
        }
    }

    private <R> R run(String what, UUID id, ConnectionProvider.Work<R> work) {
        try {
            return connections.withConnection(work);
        } catch (SQLException e) {
            throw new IllegalStateException("saga repository " + sagaType + " (" + table + "): " + what
                    + (id != null ? " of instance " + id : "") + " failed: " + e.getMessage(), e);
        }
    }

}
