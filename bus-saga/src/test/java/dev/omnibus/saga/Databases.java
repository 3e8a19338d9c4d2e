package dev.omnibus.saga;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assumptions;

/**
 * Databases for the tests. PostgreSQL: {@code OMNIBUS_POSTGRES_URL} (a JDBC URL, user and password
 * in it) if set, else {@code jdbc:postgresql://127.0.0.1:5432/test} as {@code postgres} if something
 * listens there. With {@code -Domnibus.ci=true} a missing server fails the test; otherwise it is
 * skipped with a message saying how to provide one. H2 runs in memory.
 */
public final class Databases {
    static final String ENV = "OMNIBUS_POSTGRES_URL";
    private static volatile HikariDataSource postgres;

    private Databases() {
    }

    /** A pooled data source on the test PostgreSQL (shared by the test JVM). */
    public static synchronized DataSource postgres() {
        if (postgres != null) {
            return postgres;
        }
        String url = System.getenv(ENV);
        if (url == null || url.isBlank()) {
            if (!reachable("127.0.0.1", 5432)) {
                String how = "No PostgreSQL: set " + ENV + "=jdbc:postgresql://host:5432/db?user=u&password=p, or start one on "
                        + "127.0.0.1:5432 with a database 'test' and trust auth (pg_ctlcluster 15 main start; .ci/run does this)";
                if (Boolean.getBoolean("omnibus.ci")) {
                    throw new AssertionError(how + " [CI=true: a missing database fails the build]");
                }
                Assumptions.abort(how);
            }
            url = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
        }
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setMaximumPoolSize(12);
        c.setPoolName("saga-tests");
        postgres = new HikariDataSource(c);
        return postgres;
    }

    /** A fresh in-memory H2 database in PostgreSQL mode. */
    public static DataSource h2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:saga" + UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1");
        return ds;
    }

    private static boolean reachable(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
