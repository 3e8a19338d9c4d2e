package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.ConcurrencyException;
import dev.omnibus.saga.jdbc.JdbcSagaRepository;
import dev.omnibus.saga.spi.SagaRepository;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What every {@link SagaRepository} must do, run against each implementation. */
class SagaRepositoryTest {
  abstract static class Contract {
    abstract SagaRepository repository();

    @Test
    void anInsertedInstanceIsFound() {
        SagaRepository r = repository();
        UUID id = UUID.randomUUID();
        r.insert(new SagaRecord(id, "Pending", 1, "{\"data\":{\"customer\":\"ada\"}}"));
        SagaRecord found = r.find(id).orElseThrow();
        assertThat(found.state()).isEqualTo("Pending");
        assertThat(found.version()).isEqualTo(1);
        assertThat(found.json()).contains("ada");
        assertThat(r.find(UUID.randomUUID())).isEmpty();
    }

    @Test
    void aSecondInsertOfOneIdIsAConcurrencyConflict() {
        SagaRepository r = repository();
        UUID id = UUID.randomUUID();
        r.insert(new SagaRecord(id, "Pending", 1, "{}"));
        assertThatThrownBy(() -> r.insert(new SagaRecord(id, "Other", 1, "{}")))
                .isInstanceOf(ConcurrencyException.class).hasMessageContaining(id.toString());
        assertThat(r.find(id).orElseThrow().state()).isEqualTo("Pending");
    }

    @Test
    void anUpdateFromAStaleVersionIsAConcurrencyConflictAndChangesNothing() {
        SagaRepository r = repository();
        UUID id = UUID.randomUUID();
        r.insert(new SagaRecord(id, "Pending", 1, "{}"));
        r.update(new SagaRecord(id, "Accepted", 2, "{\"n\":2}"));
        assertThatThrownBy(() -> r.update(new SagaRecord(id, "Cancelled", 2, "{\"n\":3}")))
                .isInstanceOf(ConcurrencyException.class);
        SagaRecord now = r.find(id).orElseThrow();
        assertThat(now.state()).isEqualTo("Accepted");
        assertThat(now.version()).isEqualTo(2);
        assertThatThrownBy(() -> r.update(new SagaRecord(UUID.randomUUID(), "X", 2, "{}")))
                .isInstanceOf(ConcurrencyException.class);
    }

    @Test
    void aDeleteNeedsTheCurrentVersion() {
        SagaRepository r = repository();
        UUID id = UUID.randomUUID();
        r.insert(new SagaRecord(id, "Final", 1, "{}"));
        assertThatThrownBy(() -> r.delete(id, 2)).isInstanceOf(ConcurrencyException.class);
        r.delete(id, 1);
        assertThat(r.find(id)).isEmpty();
        assertThatThrownBy(() -> r.delete(id, 1)).isInstanceOf(ConcurrencyException.class);
    }

  }

    @Nested
    class InMemory extends Contract {
        @Override
        SagaRepository repository() {
            return InMemorySagaRepository.create();
        }
    }

    @Nested
    class H2 extends Contract {
        @Override
        SagaRepository repository() {
            JdbcSagaRepository r = JdbcSagaRepository.builder(Databases.h2(), "Test").build();
            assertThat(r.dialect()).isEqualTo(JdbcSagaRepository.Dialect.H2);
            r.createSchema();
            return r;
        }
    }

    @Nested
    class Postgres extends Contract {
        private final String sagaType = "Test-" + UUID.randomUUID();

        @org.junit.jupiter.api.AfterEach
        void removeRows() throws java.sql.SQLException {
            try (java.sql.Connection c = Databases.postgres().getConnection();
                 java.sql.PreparedStatement ps = c.prepareStatement("DELETE FROM omnibus_saga WHERE saga_type = ?")) {
                ps.setString(1, sagaType);
                ps.executeUpdate();
            }
        }

        @Override
        SagaRepository repository() {
            JdbcSagaRepository r = JdbcSagaRepository.builder(Databases.postgres(), sagaType).build();
            assertThat(r.dialect()).isEqualTo(JdbcSagaRepository.Dialect.POSTGRESQL);
            r.createSchema();
            return r;
        }
    }
}
