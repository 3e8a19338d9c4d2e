package dev.omnibus.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on the test's own classpath, running a {@code main} class, its output in a log file,
 * that a test kills for real: {@link #kill()} is {@link Process#destroyForcibly()}, SIGKILL on
 * Linux and macOS, which no shutdown hook, finally block or interrupt handler survives (exit code
 * {@value #SIGKILL_EXIT}); {@link #stop()} is a graceful SIGTERM (shutdown hooks run). Crash tests
 * use it to kill a consumer mid-stream, and tests that need a server this JVM cannot host use it
 * to run one.
 *
 * <pre>{@code
 * try (ChildJvm child = ChildJvm.start(MyMain.class, dir.resolve("child.log"), "arg1", "arg2")) {
 *     await.until("the child ready", () -> child.checkAlive() && Files.exists(marker));
 *     assertThat(child.kill()).isEqualTo(ChildJvm.SIGKILL_EXIT);
 * }
 * }</pre>
 *
 * <p>Not thread-safe; {@link #close()} kills a child still running (a failed test leaves none behind).
 */
public final class ChildJvm implements AutoCloseable {
    /** The exit code of a JVM killed by SIGKILL (128 + 9). */
    public static final int SIGKILL_EXIT = 137;

    private final Process process;
    private final Path log;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code main} in a new JVM (small heap, quick start-up flags, slf4j-simple at warn) with {@code args}. */
    public static ChildJvm start(Class<?> main, Path log, String... args) throws IOException {
        return start(main.getName(), List.of(), log, args);
    }

    /**
     * Starts the class named {@code mainClass} in a new JVM with {@code args}: the default options
     * (256 MB heap, serial GC, C1 only, slf4j-simple at warn), then {@code jvmOptions}, which may
     * override them (a larger {@code -Xmx}, a logger's level).
     */
    public static ChildJvm start(String mainClass, List<String> jvmOptions, Path log, String... args) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xshare:auto", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ChildJvm(p, log);
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /** True while the child runs; throws with the end of its log if it exited on its own. */
    public boolean checkAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException("child " + process.pid() + " exited with " + process.exitValue()
                    + " before it was stopped; its log:\n" + tail());
        }
        return true;
    }

    /** SIGKILLs the child and waits for it to die; returns its exit code ({@value #SIGKILL_EXIT} when the signal killed it). */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        return awaitExit(Duration.ofSeconds(30), "SIGKILL");
    }

    /** Asks the child to stop (SIGTERM: its shutdown hooks run) and waits for it; returns its exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        return awaitExit(Duration.ofSeconds(30), "SIGTERM");
    }

    /** Waits for a child that ends on its own (a tool run to completion); returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        return awaitExit(timeout, "start");
    }

    private int awaitExit(Duration timeout, String since) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("child " + process.pid() + " still running " + timeout + " after its "
                    + since + "; its log:\n" + tail());
        }
        return process.exitValue();
    }

    /** The last 40 lines of the child's log. */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
