package dev.omnibus.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;

/**
 * PostgreSQL: the highest seq below which no row can still commit, so a dispatcher never relays a
 * row while a row before it (a smaller seq, of its key or any other) may still appear.
 *
 * <p><b>The problem.</b> Seqs are taken from a sequence when a row is inserted, but transactions
 * commit in any order: T1 takes seq 10, T2 takes seq 11 and commits first. A relay that sent the
 * visible rows in seq order sent 11, then 10 once T1 committed: the key's order broken.
 *
 * <p><b>The rule.</b> Every writer takes its seq after its transaction has an id ({@link OutboxRows}:
 * {@code txid_current()} is evaluated before {@code nextval}). When a claim held rows back that no
 * pair covers, the next pass, as the first statement of its transaction, reads the sequence's last
 * value {@code M} and only then takes a transaction id {@code R} of its own (a transaction that had
 * locked rows first would already hold an older id: that was a bug, seen as one inversion in
 * {@code ConcurrentWritersOrderTest}): every seq up to {@code M} was taken by a transaction whose id is below
 * {@code R}. Once the oldest transaction still running is no older than {@code R} (the
 * {@code xmin} of a snapshot: every transaction id below it has committed or rolled back), every row
 * with a seq up to {@code M} has committed or never will, and a claim made with that snapshot sees
 * all that committed. So a claim relays a lane's rows only up to the {@code M} of the newest pair
 * {@code (M, R)} with {@code R <= xmin}: the safe seq.
 *
 * <p>Ordering by transaction id alone ({@code xid < xmin}, seq within a transaction) would not do:
 * transaction ids are taken at a transaction's first write, so a writer that wrote something else
 * first holds an older id than one that wrote its outbox row earlier, and one that waited for the
 * other's row lock would be relayed before it. Seqs are taken at the outbox write itself, after any
 * lock the writer waited for, and this rule keeps their order.
 *
 * <p>Cost: a pair is recorded first thing in a pass that expects new rows (woken by a commit, or
 * after a pass that sent rows) or follows one that held rows no pair covered: one statement that
 * gives the pass's transaction an id (it deletes rows anyway, so it would take one) and makes its
 * commit asynchronous ({@code synchronous_commit} off for that transaction only: a database crash
 * may lose the deletion, and those rows are sent again, which at-least-once allows). With nothing
 * older running, the same pass's claim lets the new rows through. A row waits for the transactions that were running when the pair after it
 * was recorded: under load a millisecond or so; behind a long transaction, until that one ends.
 *
 * <p>Used by its dispatcher's thread only. At most {@link #MAX_PAIRS} pairs are kept (a newer one
 * replaces the newest when full: that only delays rows, never lets one through early).
 */
final class Horizon {
    static final int MAX_PAIRS = 1024;

    private final String record;
    private final ArrayDeque<long[]> pairs = new ArrayDeque<>(); // {M, R}, R increasing
    private long safe; // every row with a seq up to this has committed or never will

    Horizon(Tables tables) {
        // the sequence is read when the row is produced, before txid_current() is evaluated on it
        // (and the pass's commit need not wait for the WAL flush: a lost delete only sends rows again)
        this.record = "SELECT CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END, txid_current(),"
                + " set_config('synchronous_commit', 'off', true) FROM " + tables.sequence() + " s";
    }

    /** The safe seq for a claim whose snapshot has this {@code xmin}; drops the pairs it used up. */
    long safe(long xmin) {
        while (!pairs.isEmpty() && pairs.peekFirst()[1] <= xmin) {
            safe = Math.max(safe, pairs.pollFirst()[0]);
        }
        return safe;
    }

    /** Whether a recorded pair (or the safe seq) covers {@code seq}. */
    boolean covers(long seq) {
        long[] last = pairs.peekLast();
        return seq <= (last != null ? last[0] : safe);
    }

    /**
     * Records a pair in {@code c}'s transaction, which must not have a transaction id yet: its first
     * statement (a claim that locked rows would already have one, taken before the sequence is read,
     * and the pair would claim too much). Skipped when the sequence has not moved since the last pair.
     */
    void record(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(record); ResultSet rs = ps.executeQuery()) {
            rs.next();
            long m = rs.getLong(1);
            long r = rs.getLong(2);
            long[] last = pairs.peekLast();
            if (m <= (last != null ? last[0] : safe)) {
                return;
            }
            if (pairs.size() == MAX_PAIRS) {
                pairs.pollLast();
            }
            pairs.addLast(new long[] {m, r});
        }
    }

    /** Whether pairs wait for running transactions to end. */
    boolean waiting() {
        return !pairs.isEmpty();
    }
}
