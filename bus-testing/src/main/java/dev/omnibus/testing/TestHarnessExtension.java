package dev.omnibus.testing;

import dev.omnibus.BusBuilder;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit Jupiter extension behind {@link BusTest}: one started harness per test, closed after it.
 * It uses only extension API that is the same in Jupiter 5.10+ and 6.x, and runs on the user's JUnit
 * (bus-testing's JUnit dependencies are {@code provided}).
 */
public final class TestHarnessExtension implements ParameterResolver, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(TestHarnessExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestHarness.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NS);
        TestHarness existing = store.get(TestHarness.class, TestHarness.class);
        if (existing != null) {
            return existing;
        }
        Class<?> testClass = context.getRequiredTestClass();
        BusTest settings = testClass.getAnnotation(BusTest.class);
        Object instance = context.getTestInstance().orElse(null);
        List<Method> configurers = configurers(testClass);
        TestHarness.Builder builder = TestHarness.builder()
                .timeout(Duration.ofMillis(settings == null ? 5_000 : settings.timeoutMillis()))
                .configure(bus -> configurers.forEach(m -> invoke(m, instance, bus)));
        if (settings != null && settings.seed() >= 0) {
            builder.deterministic(settings.seed());
        }
        TestHarness harness = builder.start();
        store.put(TestHarness.class, harness);
        return harness;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestHarness harness = context.getStore(NS).remove(TestHarness.class, TestHarness.class);
        if (harness != null) {
            harness.close();
        }
    }

    private static List<Method> configurers(Class<?> type) {
        List<Method> out = new ArrayList<>();
        if (type.getSuperclass() != null && type.getSuperclass() != Object.class) {
            out.addAll(configurers(type.getSuperclass()));
        }
        for (Method m : type.getDeclaredMethods()) {
            if (m.isAnnotationPresent(ConfigureBus.class)) {
                if (m.getParameterCount() != 1 || m.getParameterTypes()[0] != BusBuilder.class) {
                    throw new ParameterResolutionException("@ConfigureBus method " + m + " must take one BusBuilder");
                }
                m.setAccessible(true);
                out.add(m);
            }
        }
        return out;
    }

    private static void invoke(Method m, Object instance, BusBuilder bus) {
        try {
            m.invoke(Modifier.isStatic(m.getModifiers()) ? null : instance, bus);
        } catch (ReflectiveOperationException e) {
            throw new ParameterResolutionException("@ConfigureBus method " + m + " failed: " + e.getCause(), e);
        }
    }
}
