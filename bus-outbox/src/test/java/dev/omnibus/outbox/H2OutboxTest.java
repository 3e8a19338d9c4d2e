package dev.omnibus.outbox;

import dev.omnibus.outbox.kit.Databases;

/** The outbox on the embedded H2 database. */
class H2OutboxTest extends OutboxTests {
    @Override
    Databases.Db openDatabase() {
        return Databases.h2();
    }
}
