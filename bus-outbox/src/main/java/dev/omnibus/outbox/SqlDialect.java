package dev.omnibus.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The databases the outbox speaks. Detected from the connection's metadata unless set on the
 * builder. Both support {@code FOR UPDATE SKIP LOCKED}, so several dispatchers share the work.
 */
public enum SqlDialect {
    /** PostgreSQL 12 or later: partial indexes, and {@code LISTEN/NOTIFY} wakes the dispatcher at commit. */
    POSTGRESQL("postgresql"),
    /** H2 2.x, the embedded database: the dispatcher polls (and is woken in-process). */
    H2("h2");

    private final String folder;

    SqlDialect(String folder) {
        this.folder = folder;
    }

    /** The folder of this database's schema scripts under {@code dev/omnibus/outbox/schema/}. */
    String folder() {
        return folder;
    }

    /** The dialect of the database {@code connection} is connected to. */
    static SqlDialect detect(Connection connection) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
        if (product.contains("postgres")) {
            return POSTGRESQL;
        }
        if (product.contains("h2")) {
            return H2;
        }
        throw new dev.omnibus.ConfigurationException("the outbox supports PostgreSQL and H2, not '"
                + connection.getMetaData().getDatabaseProductName() + "'");
    }
}
