package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.ConfigurationException;
import dev.omnibus.saga.model.Check;
import dev.omnibus.saga.model.Finding;
import dev.omnibus.saga.testing.SagaAssertions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ModelChecksTest {
    record Start(UUID id) {
    }

    record Go(UUID id) {
    }

    record Loose(UUID id) {
    }

    record Tick(UUID id) {
    }

    static final class Data {
    }

    /** Broken on purpose: every check has something to find. */
    static class BrokenSaga extends StateMachine<Data> {
        final State started = state("Started");
        final State stuck = state("Stuck");         // no way out: no path to Final, no timeout
        final State orphan = state("Orphan");       // nothing leads here
        final Event<Start> start = event(Start.class, Start::id);
        final Event<Go> go = event(Go.class, Go::id);
        final Event<Loose> loose = event(Loose.class); // no correlation
        final Schedule<Tick> tick = schedule("Tick", Tick.class, Tick::id, Duration.ofMinutes(5));

        BrokenSaga() {
            super(Data.class);
            initially(when(start).schedule(tick, ctx -> new Tick(ctx.id())).transitionTo(started));
            during(started,
                    when(go).transitionTo(stuck),
                    when(tick.received()).finalizeInstance(),
                    ignore(start));
            during(orphan, when(go).finalizeInstance());
        }
    }

    static final class StrictBrokenSaga extends BrokenSaga {
        StrictBrokenSaga() {
            failOnFindings();
        }
    }

    static final class SilencedSaga extends BrokenSaga {
        SilencedSaga() {
            silence(Check.UNHANDLED_EVENT, null, null);
            silence(Check.EVENT_WITHOUT_CORRELATION, null, loose);
            silence(Check.WAITING_WITHOUT_TIMEOUT, stuck, null);
            silence(Check.NO_PATH_TO_FINAL, stuck, null);
            silence(Check.UNREACHABLE_STATE, orphan, null);
        }
    }

    @Test
    void aBrokenMachineShowsEachCheckFiring() {
        List<Finding> findings = new BrokenSaga().check();
        assertThat(findings).extracting(Finding::check, Finding::state, Finding::event).contains(
                org.assertj.core.groups.Tuple.tuple(Check.UNREACHABLE_STATE, "Orphan", null),
                org.assertj.core.groups.Tuple.tuple(Check.UNHANDLED_EVENT, "Started", "Loose"),
                org.assertj.core.groups.Tuple.tuple(Check.UNHANDLED_EVENT, "Stuck", "Go"),
                org.assertj.core.groups.Tuple.tuple(Check.WAITING_WITHOUT_TIMEOUT, "Stuck", null),
                org.assertj.core.groups.Tuple.tuple(Check.NO_PATH_TO_FINAL, "Stuck", null),
                org.assertj.core.groups.Tuple.tuple(Check.EVENT_WITHOUT_CORRELATION, null, "Loose"));
        assertThat(findings).noneMatch(f -> "Started".equals(f.state()) && f.check() != Check.UNHANDLED_EVENT);
        assertThat(findings).allSatisfy(f -> assertThat(f.message()).contains("BrokenSaga"));
        assertThatThrownBy(() -> SagaAssertions.assertModelClean(new BrokenSaga()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("UNREACHABLE_STATE: BrokenSaga: state Orphan is unreachable")
                .hasMessageContaining("state Stuck neither handles nor ignores event Go");
    }

    @Test
    void findingsFailTheBuildOfAStrictMachine() {
        assertThatThrownBy(() -> new StrictBrokenSaga().model())
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(((ConfigurationException) e).problems()).hasSizeGreaterThanOrEqualTo(6));
    }

    @Test
    void aSilencedFindingIsNotReported() {
        SagaAssertions.assertModelClean(new SilencedSaga());
    }

    static final class BadDeclarations extends StateMachine<Data> {
        BadDeclarations() {
            super(Data.class);
            State a = state("A");
            state("A");
            state("Final");
            Event<Start> s1 = event(Start.class, Start::id);
            event("Other", Start.class, ctx -> ctx.message().id());
            schedule("Never", Tick.class, Tick::id, Duration.ZERO);
            during(a, when(s1).transitionTo(new State("Elsewhere")));
        }
    }

    @Test
    void badDeclarationsAreReportedTogether() {
        assertThatThrownBy(() -> new BadDeclarations().model())
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(((ConfigurationException) e).problems()).containsExactlyInAnyOrder(
                        "BadDeclarations: state 'A' is declared twice",
                        "BadDeclarations: 'Final' is a built-in state (State.INITIAL / State.FINAL); choose another name",
                        "BadDeclarations: events 'Start' and 'Other' are both bound to " + Start.class.getName()
                                + ": a message type raises one event per machine",
                        "BadDeclarations: schedule 'Never' needs a positive delay, was PT0S",
                        "BadDeclarations: transitionTo(Elsewhere) names a state this machine did not declare",
                        "BadDeclarations: no event creates an instance: declare initially(when(event)...)"));
    }
}
