package dev.omnibus.saga.testing;

import dev.omnibus.BusBuilder;
import dev.omnibus.ConfigurationException;
import dev.omnibus.saga.Event;
import dev.omnibus.saga.InMemorySagaRepository;
import dev.omnibus.saga.SagaEndpoint;
import dev.omnibus.saga.Schedule;
import dev.omnibus.saga.State;
import dev.omnibus.saga.StateMachine;
import dev.omnibus.testing.TestHarness;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Checks a saga at run level: runs every order of a set of its events (with, on request, a second
 * copy of each and its timeouts firing at any point) against the real saga runtime, and reports
 * the orders that end in an unexpected state or fail. The static model checks
 * ({@link dev.omnibus.saga.model.ModelChecks}) read the chart; this runs it.
 *
 * <pre>{@code
 * OrderSaga saga = new OrderSaga();
 * Exploration<OrderState> result = SagaExplorer.builder(saga)
 *         .event(saga.submitted, id -> new OrderSubmitted(id, "ada", BigDecimal.TEN))
 *         .event(saga.processed, OrderProcessed::new)
 *         .event(saga.cancel, OrderCancelled::new)
 *         .happensAfter(saga.processed, saga.submitted)   // the saga asks for processing: never before
 *         .withDuplicates()                               // each event may come a second time
 *         .withTimeouts()                                 // and time may pass at any point
 *         .expectFinalStateIn(State.FINAL, saga.cancelled)
 *         .expect("ProcessOrder sent at most once", run -> run.produced(ProcessOrder.class).size() <= 1)
 *         .build()
 *         .explore();
 * result.assertAllPassed();   // AssertionError naming each failing order, shortest first
 * }</pre>
 *
 * <h2>What one order is, and how it runs</h2>
 * Each order runs on a fresh deterministic {@link TestHarness} (seed 0, no injected faults) whose bus
 * has the machine on one endpoint ({@link SagaEndpoint} over a fresh {@link InMemorySagaRepository},
 * plus what {@link Builder#configure} adds), for one instance id. A step is either an event's
 * message, sent to the saga's queue with the instance id as its correlation id and a message id of
 * its own, after which the simulation runs until idle; or, with {@link Builder#withTimeouts()}, "a
 * schedule fires": the virtual clock moves on by that schedule's delay, so its pending timeout (if
 * the instance set one) arrives, and every timer due by then with it, as time passing would do.
 * With timeouts explored, time then runs out after the last step (the clock moves on by the longest
 * schedule delay until nothing more happens, so every pending timeout fires) before
 * the final state is read. A duplicate is a second message with the same content and a new message
 * id (a sender that publishes again); a redelivery of the same message is the runtime's to drop and
 * is not explored here.
 *
 * <h2>Which orders</h2>
 * Every non-empty sequence in which each event occurs once (or twice, with duplicates), each
 * schedule fires at most once, and no step comes before the steps it {@link Builder#happensAfter
 * happens after}; the copies of one event are interchangeable. Above {@link Builder#maxOrders} (default
 * 5,000) orders, a sample of that many is drawn uniformly from {@link Builder#seed} (default 0) and
 * the {@link Exploration} says so.
 *
 * <h2>What is expected</h2>
 * Always: the saga's consumer never fails (an {@link dev.omnibus.saga.UnhandledEventException}, an
 * activity that throws). Besides: each {@link Builder#expect} and {@link Builder#expectFinalState}.
 *
 * <p>Built once, explored from one thread at a time; {@link #explore()} runs the orders one after
 * another (a few milliseconds each). Needs {@code bus-testing} on the classpath, as
 * {@link SagaAssertions} does.
 *
 * @param <S> the saga state class
 */
public final class SagaExplorer<S> {
    record Step(String name, Event<?> event, Function<UUID, ?> message, Duration delay, int min, int max) {
        boolean timeout() {
            return message == null;
        }
    }

    record Expectation<S>(String description, Predicate<? super ExploredRun<S>> check) {
    }

    private final StateMachine<S> machine;
    private final List<Step> steps;
    private final OrderSpace space;
    private final List<Expectation<S>> expectations;
    private final boolean timeouts;
    private final int maxOrders;
    private final long seed;
    private final Consumer<BusBuilder> configure;

    private SagaExplorer(Builder<S> b, List<Step> steps, OrderSpace space) {
        this.machine = b.machine;
        this.steps = List.copyOf(steps);
        this.space = space;
        this.expectations = List.copyOf(b.expectations);
        this.timeouts = b.timeouts;
        this.maxOrders = b.maxOrders;
        this.seed = b.seed;
        this.configure = b.configure;
    }

    /** A builder exploring {@code machine}. */
    public static <S> Builder<S> builder(StateMachine<S> machine) {
        return new Builder<>(Objects.requireNonNull(machine, "machine"));
    }

    /** How many orders there are (all of which {@link #explore()} runs, unless above its bound). */
    public BigInteger orders() {
        return space.count();
    }

    /** Runs every order (or the sample) and reports the ones that broke an expectation, shortest first. */
    public Exploration<S> explore() {
        BigInteger total = space.count();
        boolean sampled = total.compareTo(BigInteger.valueOf(maxOrders)) > 0;
        List<int[]> orders = new ArrayList<>();
        if (sampled) {
            orders.addAll(space.sample(maxOrders, seed));
        } else {
            space.forEach(o -> orders.add(o));
        }
        List<ExploredRun<S>> failed = new ArrayList<>();
        for (int i = 0; i < orders.size(); i++) {
            ExploredRun<S> run = OrderRun.run(machine, steps, orders.get(i), i, timeouts, configure, expectations);
            if (!run.passed()) {
                failed.add(run);
            }
        }
        failed.sort(Comparator.<ExploredRun<S>>comparingInt(r -> r.order().size())
                .thenComparing(r -> String.join(",", r.order())));
        return new Exploration<>(machine.name(), total, orders.size(), sampled, seed, failed);
    }

    /**
     * Configures a {@link SagaExplorer}; {@link #build()} checks everything and reports every problem
     * at once. Not thread-safe.
     *
     * @param <S> the saga state class
     */
    public static final class Builder<S> {
        private final StateMachine<S> machine;
        private final List<Event<?>> events = new ArrayList<>();
        private final List<Function<UUID, ?>> messages = new ArrayList<>();
        private final List<Event<?>[]> after = new ArrayList<>();
        private final List<Expectation<S>> expectations = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();
        private boolean duplicates;
        private boolean timeouts;
        private int maxOrders = 5_000;
        private long seed;
        private Consumer<BusBuilder> configure = bus -> { };

        private Builder(StateMachine<S> machine) {
            this.machine = machine;
        }

        /**
         * Adds an event to explore: in each order its message, built by {@code message} from the
         * instance id, arrives once (twice with {@link #withDuplicates()}).
         */
        public <T> Builder<S> event(Event<T> event, Function<UUID, ? extends T> message) {
            if (event == null || message == null) {
                problems.add("event(event, message) needs both, got " + event + " and " + message);
                return this;
            }
            events.add(event);
            messages.add(message);
            return this;
        }

        /** Each event may also arrive a second time (a second message, same content, new message id). */
        public Builder<S> withDuplicates() {
            this.duplicates = true;
            return this;
        }

        /**
         * Each of the machine's schedules (request timeouts included) may fire at any point, at most
         * once per order; and after the last step, time runs out before the final state is read.
         */
        public Builder<S> withTimeouts() {
            this.timeouts = true;
            return this;
        }

        /**
         * In every order, {@code later} (an added event, or a schedule's {@code received()} event
         * with timeouts) comes only after {@code earlier} has come once: a response never precedes
         * its request.
         */
        public Builder<S> happensAfter(Event<?> later, Event<?> earlier) {
            after.add(new Event<?>[] {later, earlier});
            return this;
        }

        /** Every run must end in a state that matches; {@code description} names it in the report. */
        public Builder<S> expectFinalState(String description, Predicate<State> state) {
            Objects.requireNonNull(state, "state");
            return expect("final state " + description, run -> state.test(run.state()));
        }

        /** Every run must end in one of {@code states} ({@link State#FINAL} for a finalized instance). */
        public Builder<S> expectFinalStateIn(State... states) {
            Set<State> allowed = new LinkedHashSet<>(Arrays.asList(states));
            return expect("final state in " + allowed, run -> allowed.contains(run.state()));
        }

        /** Every run must satisfy {@code check}; {@code description} says what, in the report. */
        public Builder<S> expect(String description, Predicate<? super ExploredRun<S>> check) {
            expectations.add(new Expectation<>(Objects.requireNonNull(description, "description"),
                    Objects.requireNonNull(check, "check")));
            return this;
        }

        /** Above this many orders, explore a sample of this many (default 5,000). */
        public Builder<S> maxOrders(int maxOrders) {
            this.maxOrders = maxOrders;
            return this;
        }

        /** The seed of the sample, above {@link #maxOrders(int)} (default 0). */
        public Builder<S> seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** More bus configuration for each run (a stub service the saga sends requests to, say). */
        public Builder<S> configure(Consumer<BusBuilder> configure) {
            Objects.requireNonNull(configure, "configure");
            Consumer<BusBuilder> before = this.configure;
            this.configure = bus -> {
                before.accept(bus);
                configure.accept(bus);
            };
            return this;
        }

        /**
         * @throws ConfigurationException listing every problem: the machine's own (its declarations), no
         *                                event, an event of another machine or composite or added twice,
         *                                a constraint on an event not explored, a bound below 1
         */
        public SagaExplorer<S> build() {
            List<String> all = new ArrayList<>(problems);
            List<Event<?>> declared = machine.model().events();
            List<Step> steps = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                Event<?> e = events.get(i);
                if (!declared.contains(e)) {
                    all.add("event " + e + " is not an event of " + machine.name());
                } else if (e.isComposite()) {
                    all.add("event " + e + " is composite: add its constituents instead");
                } else if (steps.stream().anyMatch(s -> s.event() == e)) {
                    all.add("event " + e + " is added twice (withDuplicates() adds a second copy of each)");
                } else {
                    steps.add(new Step(e.name(), e, messages.get(i), null, 1, duplicates ? 2 : 1));
                }
            }
            if (events.isEmpty()) {
                all.add("no event to explore: add event(machine.someEvent, id -> message)");
            }
            if (timeouts) {
                for (Schedule<?> s : machine.model().schedules()) {
                    if (steps.stream().anyMatch(x -> x.event() == s.received())) {
                        all.add("schedule " + s + "'s event is added as an event and explored as a timeout: remove one");
                    } else {
                        steps.add(new Step(s.name() + " fires", s.received(), null, s.delay(), 0, 1));
                    }
                }
            }
            int[][] before = new int[steps.size()][];
            List<List<Integer>> lists = new ArrayList<>();
            steps.forEach(s -> lists.add(new ArrayList<>()));
            for (Event<?>[] pair : after) {
                int later = indexOf(steps, pair[0]);
                int earlier = indexOf(steps, pair[1]);
                if (later < 0 || earlier < 0 || later == earlier) {
                    all.add("happensAfter(" + pair[0] + ", " + pair[1] + ") needs two different explored events"
                            + " (timeouts are explored only with withTimeouts())");
                } else {
                    lists.get(later).add(earlier);
                }
            }
            if (maxOrders < 1) {
                all.add("maxOrders must be at least 1, was " + maxOrders);
            }
            if (!all.isEmpty()) {
                throw new ConfigurationException(all.stream().map(p -> "SagaExplorer(" + machine.name() + "): " + p)
                        .collect(Collectors.toList()));
            }
            for (int k = 0; k < before.length; k++) {
                before[k] = lists.get(k).stream().mapToInt(Integer::intValue).toArray();
            }
            OrderSpace space;
            try {
                space = new OrderSpace(steps.stream().mapToInt(Step::min).toArray(),
                        steps.stream().mapToInt(Step::max).toArray(), before);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("SagaExplorer(" + machine.name() + "): " + e.getMessage());
            }
            return new SagaExplorer<>(this, steps, space);
        }

        private static int indexOf(List<Step> steps, Event<?> event) {
            for (int i = 0; i < steps.size(); i++) {
                if (steps.get(i).event() == event) {
                    return i;
                }
            }
            return -1;
        }
    }
}
