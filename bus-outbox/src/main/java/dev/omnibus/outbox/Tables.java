package dev.omnibus.outbox;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of the outbox's tables: an optional database schema and a prefix (default none and
 * {@code omnibus_}): {@code <schema>.<prefix>outbox}, {@code …outbox_lane}, {@code …inbox} and
 * {@code …schema} (the installed version). Index names get the prefix, unqualified (an index lives in
 * its table's schema).
 *
 * <p>Names are written unquoted, so they must be lower-case letters, digits and underscores,
 * starting with a letter or underscore ({@link #problems}): PostgreSQL folds unquoted names to lower
 * case and H2 to upper case, and either way the same name is meant everywhere.
 */
record Tables(String schema, String prefix) {
    static final String DEFAULT_PREFIX = "omnibus_";
    static final Tables DEFAULT = new Tables(null, DEFAULT_PREFIX);
    private static final Pattern NAME = Pattern.compile("(CREATE INDEX )?" + DEFAULT_PREFIX);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");
    /** PostgreSQL's identifier limit less the longest name added to the prefix ({@code outbox_seq_seq}). */
    static final int MAX_PREFIX = 63 - "outbox_seq_seq".length();

    /** What is wrong with {@code schema} (may be null) and {@code prefix}, in the builder's words. */
    static List<String> problems(String schema, String prefix) {
        List<String> problems = new java.util.ArrayList<>(2);
        if (schema != null && (!IDENTIFIER.matcher(schema).matches() || schema.length() > 63)) {
            problems.add("schema must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters), was '"
                    + schema + "'");
        }
        if (prefix == null || !IDENTIFIER.matcher(prefix).matches() || prefix.length() > MAX_PREFIX) {
            problems.add("tablePrefix must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most " + MAX_PREFIX
                    + " characters), was '" + prefix + "'");
        }
        return problems;
    }

    private String qualified(String name) {
        return (schema == null ? "" : schema + ".") + prefix + name;
    }

    /** The message rows. */
    String outbox() {
        return qualified("outbox");
    }

    /** The lane lock rows. */
    String lane() {
        return qualified("outbox_lane");
    }

    /** The consumed message ids. */
    String inbox() {
        return qualified("inbox");
    }

    /** The installed schema version. */
    String version() {
        return qualified("schema");
    }

    /** The sequence behind {@code outbox.seq} (PostgreSQL names an identity column's sequence so). */
    String sequence() {
        return qualified("outbox_seq_seq");
    }

    /**
     * A shipped script statement with these names: it names tables {@code omnibus_*} (so the files
     * can be applied as they are for the default names) and indexes {@code CREATE INDEX omnibus_*}.
     */
    String apply(String sql) {
        Matcher m = NAME.matcher(sql);
        StringBuilder out = new StringBuilder(sql.length() + 32);
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) + prefix : (schema == null ? "" : schema + ".") + prefix;
            m.appendReplacement(out, Matcher.quoteReplacement(name));
        }
        m.appendTail(out);
        return out.toString();
    }
}
