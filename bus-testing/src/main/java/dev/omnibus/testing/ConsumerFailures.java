package dev.omnibus.testing;

import dev.omnibus.spi.Filter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The filter behind {@link FaultPlan#failConsumer}: throws {@link InjectedFault} on the chosen calls, and says so in the timeline. */
final class ConsumerFailures {
    private ConsumerFailures() {
    }

    static Filter filter(List<FaultPlan.ConsumerFailure> rules, Recorder recorder) {
        Map<Class<?>, AtomicInteger> calls = new ConcurrentHashMap<>();
        return (ctx, next) -> {
            Class<?> type = ctx.messageType().rawType();
            // each rule's type counts this call once, however many rules name it (a rule on an interface
            // and one on the record count the same calls separately)
            Map<Class<?>, Integer> thisCall = new HashMap<>();
            for (FaultPlan.ConsumerFailure rule : rules) { // count first, so no rule's count lags another's throw
                if (rule.type().isAssignableFrom(type)) {
                    thisCall.computeIfAbsent(rule.type(),
                            t -> calls.computeIfAbsent(t, k -> new AtomicInteger()).incrementAndGet());
                }
            }
            for (FaultPlan.ConsumerFailure rule : rules) {
                Integer n = thisCall.get(rule.type());
                if (n != null && n == rule.call()) {
                    String what = "consumer failure: call " + rule.call() + " of " + rule.type().getSimpleName()
                            + " on " + ctx.endpoint() + " throws InjectedFault";
                    recorder.injected(what, ctx.envelope(), ctx.message());
                    throw new InjectedFault("injected failure of call " + rule.call() + " for " + type.getSimpleName());
                }
            }
            next.proceed(ctx);
        };
    }
}
