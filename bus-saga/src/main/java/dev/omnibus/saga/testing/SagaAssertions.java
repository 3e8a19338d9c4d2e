package dev.omnibus.saga.testing;

import dev.omnibus.saga.SagaInstance;
import dev.omnibus.saga.State;
import dev.omnibus.saga.StateMachine;
import dev.omnibus.saga.model.Finding;
import dev.omnibus.saga.spi.SagaRepository;
import dev.omnibus.testing.TestHarness;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Assertions on saga instances for tests on a {@link TestHarness}: an instance exists, is in a
 * state, is finalized, is gone. Each waits for its condition with a deadline (default 5 s) and
 * returns as soon as it holds; in the harness's deterministic mode it first runs the simulation
 * until idle, then checks once. A failure lists the instance as stored and the harness's record
 * of messages.
 *
 * <pre>{@code
 * var sagas = SagaAssertions.of(harness, saga, repository);
 * harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
 * sagas.assertState(id, saga.pending);
 * harness.advance(Duration.ofHours(1));
 * sagas.assertState(id, saga.cancelled);
 * }</pre>
 *
 * <p>This class lives in {@code bus-saga} (so {@code bus-testing} knows nothing of sagas), which
 * declares {@code bus-testing} as an optional dependency: tests that use it have it already.
 * Use from the test's thread.
 *
 * @param <S> the saga state class
 */
public final class SagaAssertions<S> {
    private final TestHarness harness;
    private final StateMachine<S> machine;
    private final SagaRepository repository;
    private final Duration timeout;

    private SagaAssertions(TestHarness harness, StateMachine<S> machine, SagaRepository repository, Duration timeout) {
        this.harness = Objects.requireNonNull(harness, "harness");
        this.machine = Objects.requireNonNull(machine, "machine");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Assertions on {@code machine}'s instances in {@code repository}, waiting up to 5 s. */
    public static <S> SagaAssertions<S> of(TestHarness harness, StateMachine<S> machine, SagaRepository repository) {
        return new SagaAssertions<>(harness, machine, repository, Duration.ofSeconds(5));
    }

    /** A copy waiting up to {@code timeout}. */
    public SagaAssertions<S> within(Duration timeout) {
        return new SagaAssertions<>(harness, machine, repository, timeout);
    }

    /** Asserts an instance with {@code id} exists; returns it. */
    public SagaInstance<S> assertExists(UUID id) {
        return assertInstance(id, i -> true, "to exist");
    }

    /** Asserts the instance {@code id} is in {@code state}; returns it. */
    public SagaInstance<S> assertState(UUID id, State state) {
        return assertInstance(id, i -> i.state().equals(state), "to be in state " + state);
    }

    /** Asserts the instance {@code id} is in state {@link State#FINAL} (or removed, when the machine removes finalized instances). */
    public void assertFinalized(UUID id) {
        if (machine.model().removeWhenFinalized()) {
            assertNotExists(id);
        } else {
            assertState(id, State.FINAL);
        }
    }

    /** Asserts no instance with {@code id} exists (never created, or removed). */
    public void assertNotExists(UUID id) {
        await(id, "not to exist", () -> repository.find(id).isEmpty() ? Optional.of(true) : Optional.empty());
    }

    /** Asserts the instance {@code id} exists and matches; returns it. */
    public SagaInstance<S> assertInstance(UUID id, Predicate<? super SagaInstance<S>> match, String description) {
        return await(id, description,
                () -> machine.find(repository, id).filter(match));
    }

    /** Asserts a machine's model checks find nothing (silenced findings aside), listing every finding otherwise. */
    public static void assertModelClean(StateMachine<?> machine) {
        List<Finding> findings = machine.check();
        if (!findings.isEmpty()) {
            throw new AssertionError(machine.name() + " has " + findings.size() + " model-check finding(s):\n  "
                    + findings.stream().map(Finding::toString).collect(Collectors.joining("\n  ")));
        }
    }

    private <R> R await(UUID id, String description, java.util.function.Supplier<Optional<R>> probe) {
        String what = "instance " + id + " of " + machine.name() + " " + description;
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean deterministic = harness.seed().isPresent();
        while (true) {
            if (deterministic) {
                harness.runUntilIdle();
            }
            Optional<R> r = probe.get();
            if (r.isPresent()) {
                return r.get();
            }
            if (deterministic || System.nanoTime() > deadline) {
                String stored = repository.find(id).map(Object::toString).orElse("(none)");
                throw new AssertionError("Expected " + what + (deterministic ? " (the simulation ran until idle)" : " within " + timeout)
                        + "\nStored: " + stored + "\n" + harness.listing());
            }
            try {
                Thread.sleep(2); // polling interval of a deadline wait, not synchronization
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }

}
