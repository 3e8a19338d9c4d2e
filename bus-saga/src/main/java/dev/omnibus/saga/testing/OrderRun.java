package dev.omnibus.saga.testing;

import dev.omnibus.Address;
import dev.omnibus.BusBuilder;
import dev.omnibus.SendOptions;
import dev.omnibus.saga.InMemorySagaRepository;
import dev.omnibus.saga.SagaEndpoint;
import dev.omnibus.saga.SagaInstance;
import dev.omnibus.saga.State;
import dev.omnibus.saga.StateMachine;
import dev.omnibus.saga.testing.SagaExplorer.Expectation;
import dev.omnibus.saga.testing.SagaExplorer.Step;
import dev.omnibus.testing.HarnessEvent;
import dev.omnibus.testing.TestHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Runs one order for {@link SagaExplorer}: a fresh deterministic harness with the machine on one
 * endpoint over a fresh in-memory repository, the steps one after another (each run until idle),
 * time running out at the end when timeouts are explored, then the expectations. Stateless.
 */
final class OrderRun {
    /** The saga's endpoint in each run. */
    static final String ENDPOINT = "saga-explorer";
    private static final int MAX_DRAIN_ROUNDS = 100;

    private OrderRun() {
    }

    static <S> ExploredRun<S> run(StateMachine<S> machine, List<Step> steps, int[] order, int number, boolean timeouts,
            Consumer<BusBuilder> configure, List<Expectation<S>> expectations) {
        UUID id = uuid("instance|" + number);
        InMemorySagaRepository repository = InMemorySagaRepository.create();
        List<String> names = Arrays.stream(order).mapToObj(k -> steps.get(k).name()).toList();
        List<String> failures = new ArrayList<>();
        List<Object> produced = new ArrayList<>();
        Set<UUID> ours = new HashSet<>();
        boolean existed = false;
        try (TestHarness harness = TestHarness.builder()
                .deterministic(0)
                .configure(bus -> bus.receiveEndpoint(ENDPOINT, e -> SagaEndpoint.configure(e, machine, repository)))
                .configure(configure)
                .start()) {
            int seen = 0;
            for (int i = 0; i < order.length; i++) {
                Step step = steps.get(order[i]);
                if (step.timeout()) {
                    harness.advance(step.delay());
                } else {
                    UUID messageId = uuid("message|" + number + "|" + i);
                    ours.add(messageId);
                    harness.send(Address.queue(ENDPOINT), step.message().apply(id),
                            SendOptions.defaults().withMessageId(messageId).withCorrelationId(id));
                    harness.runUntilIdle();
                }
                seen = collect(harness, seen, "at step " + (i + 1) + " (" + step.name() + ")", ours, failures, produced);
                existed |= repository.find(id).isPresent();
            }
            Duration longest = steps.stream().filter(Step::timeout).map(Step::delay).max(Duration::compareTo).orElse(null);
            if (timeouts && longest != null) {
                boolean settled = drain(harness, longest);
                collect(harness, seen, "when time ran out", ours, failures, produced);
                if (!settled) {
                    failures.add("timeouts kept firing after " + MAX_DRAIN_ROUNDS + " rounds of " + longest
                            + " passing (a timeout that schedules itself again?)");
                }
            }
        } catch (RuntimeException | AssertionError e) {
            failures.add("the run itself failed: " + e);
        }
        Optional<SagaInstance<S>> stored = machine.find(repository, id);
        State state = stored.map(SagaInstance::state)
                .orElse(existed && machine.model().removeWhenFinalized() ? State.FINAL : State.INITIAL);
        // what the expectations see: the failures are its violations so far
        ExploredRun<S> run = new ExploredRun<>(names, state, stored.map(SagaInstance::data), produced, failures, failures);
        List<String> violations = new ArrayList<>(failures);
        for (Expectation<S> x : expectations) {
            try {
                if (!x.check().test(run)) {
                    violations.add("expected " + x.description());
                }
            } catch (RuntimeException e) {
                violations.add("expectation '" + x.description() + "' threw " + e);
            }
        }
        return new ExploredRun<>(names, state, run.instance(), produced, failures, violations);
    }

    /**
     * Lets time run out: moves the clock on by the longest schedule's delay, so every timeout pending
     * fires, until a round passes with nothing happening. Returns false when that never came.
     */
    private static boolean drain(TestHarness harness, Duration longest) {
        for (int round = 0; round < MAX_DRAIN_ROUNDS; round++) {
            int before = harness.events().size();
            harness.advance(longest);
            if (harness.events().size() == before) {
                return true;
            }
        }
        return false;
    }

    /** Records the saga's failures and produced messages seen since event number {@code from}; returns the new count. */
    private static int collect(TestHarness harness, int from, String when, Set<UUID> ours, List<String> failures,
            List<Object> produced) {
        List<HarnessEvent> events = harness.events();
        for (int i = from; i < events.size(); i++) {
            HarnessEvent e = events.get(i);
            switch (e.kind()) {
                case CONSUME_FAILED -> {
                    if (ENDPOINT.equals(e.endpoint())) {
                        Throwable error = e.error();
                        failures.add((error == null ? "a failure" : error.getClass().getSimpleName() + " " + when + ": "
                                + error.getMessage()));
                    }
                }
                case PUBLISHED, SENT -> {
                    if (e.envelope() == null || !ours.contains(e.envelope().messageId())) {
                        produced.add(e.message());
                    }
                }
                default -> {
                }
            }
        }
        return events.size();
    }

    private static UUID uuid(String name) {
        return UUID.nameUUIDFromBytes(("saga-explorer|" + name).getBytes(StandardCharsets.UTF_8));
    }

}
