package dev.omnibus.outbox.kit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on the test's own classpath, running a {@code main} class, its output in a log file,
 * that a test kills for real: {@link #kill()} is {@link Process#destroyForcibly()}, SIGKILL on
 * Linux and macOS, which no shutdown hook, finally block or interrupt handler survives (exit code
 * {@value #SIGKILL_EXIT}).
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
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xshare:auto", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), main.getName()));
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
                    + " before it was killed; its log:\n" + tail());
        }
        return true;
    }

    /** SIGKILLs the child and waits for it to die; returns its exit code ({@value #SIGKILL_EXIT} when the signal killed it). */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("child " + process.pid() + " still running 30 s after SIGKILL");
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
