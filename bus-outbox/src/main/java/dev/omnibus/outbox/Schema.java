package dev.omnibus.outbox;

import dev.omnibus.ConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The versioned schema scripts in {@code dev/omnibus/outbox/schema/<database>/V<n>__*.sql}. */
final class Schema {
    /** The version this code needs. */
    static final int VERSION = 1;
    /** Lanes in the schema (rows of omnibus_outbox_lane); writers compute a row's lane with it. */
    static final int LANES = 16;
    private static final String[] SCRIPTS = {"V1__outbox.sql"};

    private Schema() {
    }

    static String resource(SqlDialect dialect, int version) {
        return "/dev/omnibus/outbox/schema/" + dialect.folder() + "/" + SCRIPTS[version - 1];
    }

    /** The installed version, 0 when none. */
    static int installed(Connection c, Tables tables) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version FROM " + tables.version() + " WHERE component = 'outbox'")) {
            return rs.next() ? rs.getInt(1) : 0;
        } catch (SQLException e) {
            if (!c.getAutoCommit()) {
                c.rollback();
            }
            return 0; // no table
        }
    }

    /**
     * Applies the scripts after the installed version, each in one transaction, with the configured
     * table names (the shipped scripts name them {@code omnibus_*}; {@link Tables#apply}); creates the
     * configured schema first when it does not exist.
     */
    static int migrate(DataSource ds, SqlDialect dialect, Tables tables) throws SQLException {
        try (Connection c = ds.getConnection()) {
            if (tables.schema() != null) {
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE SCHEMA IF NOT EXISTS " + tables.schema());
                }
            }
            c.setAutoCommit(false);
            int from = installed(c, tables);
            for (int v = from + 1; v <= VERSION; v++) {
                try (Statement s = c.createStatement()) {
                    for (String sql : statements(resource(dialect, v))) {
                        s.execute(tables.apply(sql));
                    }
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    throw new SQLException("applying " + resource(dialect, v) + " failed: " + e.getMessage(), e.getSQLState(), e);
                }
            }
            return VERSION - from;
        }
    }

    /** Throws a ConfigurationException saying what to do when the schema is missing or outdated. */
    static void check(DataSource ds, SqlDialect dialect, Tables tables) {
        int v;
        try (Connection c = ds.getConnection()) {
            v = installed(c, tables);
        } catch (SQLException e) {
            throw new ConfigurationException("the outbox cannot reach its database: " + e.getMessage());
        }
        if (v == VERSION) {
            return;
        }
        if (v > VERSION) {
            throw new ConfigurationException("the outbox schema is version " + v + ", newer than this library's "
                    + VERSION + ": upgrade bus-outbox");
        }
        throw new ConfigurationException("the outbox schema" + (tables.equals(Tables.DEFAULT) ? "" : " (tables " + tables.outbox()
                + ", …)") + " is " + (v == 0 ? "missing" : "at version " + v)
                + ", this library needs version " + VERSION + ": call JdbcOutbox.migrate() once, or apply "
                + resource(dialect, Math.max(v, 0) + 1) + " (and later scripts) from the bus-outbox jar"
                + (tables.equals(Tables.DEFAULT) ? "" : " with omnibus_ replaced as docs/outbox.md says"));
    }

    static List<String> statements(String resource) {
        String text;
        try (InputStream in = Schema.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing " + resource + " in the bus-outbox jar");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String t = line.trim();
            if (t.equals(";")) {
                if (!current.toString().isBlank()) {
                    out.add(current.toString().trim());
                }
                current.setLength(0);
            } else if (!t.startsWith("--")) {
                current.append(line).append('\n');
            }
        }
        if (!current.toString().isBlank()) {
            out.add(current.toString().trim());
        }
        return out;
    }
}
