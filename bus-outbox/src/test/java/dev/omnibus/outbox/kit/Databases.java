package dev.omnibus.outbox.kit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assumptions;

/**
 * Databases for outbox tests. PostgreSQL: {@code OMNIBUS_POSTGRES_URL} (a JDBC URL, with
 * {@code user=} in it if needed) if set, else {@code jdbc:postgresql://127.0.0.1:5432/test} as
 * user {@code postgres}, then {@code root}. Each {@link #postgres()} call gets a fresh schema of
 * its own (dropped by {@link Db#close()}), so tests and parallel builds never share tables. With
 * {@code -Domnibus.ci=true} a missing server fails the test; otherwise the test is skipped with a
 * message saying how to provide one. H2 is in memory, a fresh database per call.
 */
public final class Databases {
    public static final String ENV = "OMNIBUS_POSTGRES_URL";
    private static volatile String url;

    private Databases() {
    }

    /** A database and its pool; closing drops what it created. */
    public interface Db extends AutoCloseable {
        DataSource dataSource();

        String name();

        /** A JDBC URL another process can connect with to the same database, or null when there is none (in-memory H2). */
        default String jdbcUrl() {
            return null;
        }

        @Override
        void close();
    }

    /** A fresh schema on the PostgreSQL server, behind a small HikariCP pool. */
    public static Db postgres() {
        String base = serverUrl();
        String schema = "omnibus_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create schema " + schema + " on " + base + ": " + e.getMessage(), e);
        }
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema + "&reWriteBatchedInserts=true");
        cfg.setMaximumPoolSize(12);
        cfg.setPoolName(schema);
        HikariDataSource ds = new HikariDataSource(cfg);
        return new Db() {
            @Override
            public DataSource dataSource() {
                return ds;
            }

            @Override
            public String name() {
                return "PostgreSQL";
            }

            @Override
            public String jdbcUrl() {
                return cfg.getJdbcUrl();
            }

            @Override
            public void close() {
                ds.close();
                try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA " + schema + " CASCADE");
                } catch (SQLException e) {
                    // left behind; harmless (a fresh name each time)
                }
            }
        };
    }

    /** A fresh in-memory H2 database (kept until closed). */
    public static Db h2() {
        JdbcDataSource ds = new JdbcDataSource();
        String name = "omnibus_" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT);
        ds.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
        return new Db() {
            @Override
            public DataSource dataSource() {
                return ds;
            }

            @Override
            public String name() {
                return "H2";
            }

            @Override
            public void close() {
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    s.execute("SHUTDOWN");
                } catch (SQLException e) {
                    // gone already
                }
            }
        };
    }

    /** The PostgreSQL server's JDBC URL; skips (or fails on CI) when there is none. */
    public static String serverUrl() {
        String u = url;
        if (u != null) {
            return u;
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            url = env.trim();
            return url;
        }
        for (String user : new String[] {"postgres", "root"}) {
            String candidate = "jdbc:postgresql://127.0.0.1:5432/test?user=" + user + "&connectTimeout=2";
            try (Connection c = DriverManager.getConnection(candidate)) {
                url = candidate;
                return url;
            } catch (SQLException e) {
                // next
            }
        }
        String how = "No PostgreSQL: set " + ENV + "=jdbc:postgresql://host:5432/db?user=...&password=..., or start one on "
                + "127.0.0.1:5432 with a database 'test' (pg_ctlcluster 15 main start; .ci/run does this)";
        if (Boolean.getBoolean("omnibus.ci")) {
            throw new AssertionError(how + " [CI=true: a missing database fails the build]");
        }
        Assumptions.abort(how);
        return null;
    }
}
