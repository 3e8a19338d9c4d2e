package dev.omnibus.saga;

import dev.omnibus.ConcurrencyException;
import dev.omnibus.saga.spi.SagaRepository;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A {@link SagaRepository} in a map: for tests and single-process use; instances are lost when the
 * process ends. Stores the same JSON documents as the JDBC repository, so state classes that do not
 * serialize fail here first. Thread-safe; versions are checked atomically per instance.
 */
public final class InMemorySagaRepository implements SagaRepository {
    private final ConcurrentMap<UUID, SagaRecord> instances = new ConcurrentHashMap<>();

    private InMemorySagaRepository() {
    }

    /** An empty repository. */
    public static InMemorySagaRepository create() {
        return new InMemorySagaRepository();
    }

    @Override
    public Optional<SagaRecord> find(UUID id) {
        return Optional.ofNullable(instances.get(id));
    }

    @Override
    public void insert(SagaRecord instance) {
        if (instances.putIfAbsent(instance.id(), instance) != null) {
            throw new ConcurrencyException("saga instance " + instance.id() + " was created concurrently");
        }
    }

    @Override
    public void update(SagaRecord instance) {
        boolean[] done = {false};
        instances.computeIfPresent(instance.id(), (id, old) -> {
            if (old.version() == instance.version() - 1) {
                done[0] = true;
                return instance;
            }
            return old;
        });
        if (!done[0]) {
            throw new ConcurrencyException("saga instance " + instance.id() + " changed since version " + (instance.version() - 1));
        }
    }

    @Override
    public void delete(UUID id, long version) {
        boolean[] done = {false};
        instances.computeIfPresent(id, (k, old) -> {
            if (old.version() == version) {
                done[0] = true;
                return null;
            }
            return old;
        });
        if (!done[0]) {
            throw new ConcurrencyException("saga instance " + id + " changed since version " + version + " or is gone");
        }
    }

    /** Every instance stored now (a snapshot). */
    public List<SagaRecord> all() {
        return List.copyOf(instances.values());
    }

    /** How many instances are stored. */
    public int size() {
        return instances.size();
    }
}
