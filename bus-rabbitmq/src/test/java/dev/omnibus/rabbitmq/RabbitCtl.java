package dev.omnibus.rabbitmq;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs {@code rabbitmqctl} against the local node, each call with a deadline. Tests that restart
 * the broker use it only when the test broker is the local node and {@code rabbitmqctl status}
 * works (it needs the Erlang cookie, so usually root or the rabbitmq user); in CI
 * ({@code -Domnibus.ci=true}) a missing {@code rabbitmqctl} fails instead of skipping.
 */
final class RabbitCtl {
    record Result(int exitCode, String output) {
    }

    private RabbitCtl() {
    }

    /** Skips (or in CI fails) the calling test unless the local broker can be controlled. */
    static void requireLocalControl() {
        String uri = RabbitFixture.uri();
        String host = URI.create(uri).getHost();
        String why = null;
        if (!"127.0.0.1".equals(host) && !"localhost".equals(host)) {
            why = "the test broker (" + RabbitMqTransportBuilder.redact(uri) + ") is not the local node that rabbitmqctl controls";
        } else {
            Result status = run(Duration.ofSeconds(30), "-q", "status");
            if (status.exitCode() != 0) {
                why = "rabbitmqctl status failed (exit " + status.exitCode() + "): " + firstLine(status.output())
                        + " (run the tests as a user who may control the node, e.g. root)";
            }
        }
        if (why != null) {
            if (Boolean.getBoolean("omnibus.ci")) {
                throw new AssertionError("The broker restart test must run in CI, but " + why);
            }
            Assumptions.abort("Broker restart test skipped: " + why);
        }
    }

    /** Runs {@code rabbitmqctl args…}; exit code -1 when it could not start, -2 on timeout. */
    static Result run(Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add("rabbitmqctl");
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(-1, "cannot run rabbitmqctl: " + e.getMessage());
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-2, "rabbitmqctl " + String.join(" ", args) + " did not finish within " + timeout);
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(-2, "interrupted");
        } catch (IOException e) {
            return new Result(p.exitValue(), "");
        }
    }

    /** Runs a command that must succeed. */
    static void must(Duration timeout, String... args) {
        Result r = run(timeout, args);
        if (r.exitCode() != 0) {
            throw new AssertionError("rabbitmqctl " + String.join(" ", args) + " failed (exit " + r.exitCode() + "): " + r.output());
        }
    }

    /** Makes sure the RabbitMQ application runs again (after a test that stopped it, even a failed one). */
    static void ensureRunning() {
        run(Duration.ofSeconds(60), "start_app");
        run(Duration.ofSeconds(60), "await_startup", "--timeout", "50");
    }

    /**
     * Raises ({@code on}) or clears a resource alarm for the connections named {@code connectionName}
     * only: the broker's reader process of each gets the message the alarm machinery sends every
     * connection on a real alarm ({@code rabbit_reader:conserve_resources/3}), so that connection is
     * blocked ({@code connection.blocked}, reason e.g. "low on memory") as under a real memory alarm,
     * while every other connection on the broker (other tests, other builds) goes on. Returns how many
     * connections it reached.
     */
    static int alarm(String connectionName, String resource, boolean on) {
        String expr = "length([rabbit_reader:conserve_resources(P, " + resource + ", {[], " + on + ", []}) "
                + "|| P <- rabbit_networking:connections(), "
                + "lists:keyfind(<<\"connection_name\">>, 1, proplists:get_value(client_properties, "
                + "rabbit_reader:info(P, [client_properties]), [])) =:= "
                + "{<<\"connection_name\">>, longstr, <<\"" + connectionName + "\">>}]).";
        Result r = run(Duration.ofSeconds(30), "-q", "eval", expr);
        if (r.exitCode() != 0) {
            throw new AssertionError("rabbitmqctl eval (alarm for " + connectionName + ") failed: " + r.output());
        }
        return Integer.parseInt(r.output().trim());
    }

    /** The {@code rabbit} application's setting {@code key} as Erlang prints it ({@code {ok,1800000}}, {@code undefined}). */
    static String env(String key) {
        Result r = run(Duration.ofSeconds(30), "-q", "eval", "application:get_env(rabbit, " + key + ").");
        if (r.exitCode() != 0) {
            throw new AssertionError("rabbitmqctl eval get_env " + key + " failed: " + r.output());
        }
        return r.output().trim();
    }

    /** Sets the {@code rabbit} application's setting {@code key} to an Erlang term, or unsets it for null. */
    static void setEnv(String key, String erlangValue) {
        String expr = erlangValue == null ? "application:unset_env(rabbit, " + key + ")."
                : "application:set_env(rabbit, " + key + ", " + erlangValue + ").";
        must(Duration.ofSeconds(30), "-q", "eval", expr);
    }

    /** Puts back a setting read with {@link #env}. */
    static void restoreEnv(String key, String printed) {
        setEnv(key, printed.startsWith("{ok,") ? printed.substring(4, printed.length() - 1) : null);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
