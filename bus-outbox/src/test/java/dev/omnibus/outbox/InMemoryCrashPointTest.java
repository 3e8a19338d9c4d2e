package dev.omnibus.outbox;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.outbox.kit.Databases;
import dev.omnibus.outbox.kit.OutboxCrashPointKit;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.Await;
import org.junit.jupiter.api.Nested;

/** The crash-point kit on the in-memory transport, over PostgreSQL and H2. */
class InMemoryCrashPointTest {
    abstract static class OnInMemory extends OutboxCrashPointKit {
        private final InMemoryBroker broker = InMemoryBroker.create();

        @Override
        protected Transport connect() {
            return InMemoryTransport.connect(broker);
        }

        @Override
        protected void awaitBrokerIdle(Await await) {
            await.until("the broker idle", broker::isIdle);
        }
    }

    @Nested
    class OnPostgres extends OnInMemory {
        @Override
        protected Databases.Db openDatabase() {
            return Databases.postgres();
        }
    }

    @Nested
    class OnH2 extends OnInMemory {
        @Override
        protected Databases.Db openDatabase() {
            return Databases.h2();
        }
    }
}
