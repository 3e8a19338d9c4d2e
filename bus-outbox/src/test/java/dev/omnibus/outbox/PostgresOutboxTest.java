package dev.omnibus.outbox;

import dev.omnibus.outbox.kit.Databases;

/** The outbox on the PostgreSQL server (a schema of its own per test). */
class PostgresOutboxTest extends OutboxTests {
    @Override
    Databases.Db openDatabase() {
        return Databases.postgres();
    }
}
