package dev.omnibus.saga;

import java.util.Objects;
import java.util.UUID;

/**
 * One saga instance as a {@link dev.omnibus.saga.spi.SagaRepository} stores it: the id, the current
 * state's name, the version, and a JSON document holding the user's state and the machine's own
 * bookkeeping (pending schedules, composite events seen).
 *
 * @param id      the correlation id
 * @param state   the current state's name
 * @param version the version: 1 when inserted, one more on each update
 * @param json    the instance document
 */
public record SagaRecord(UUID id, String state, long version, String json) {
    public SagaRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(json, "json");
    }
}
