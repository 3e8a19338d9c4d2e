package dev.omnibus.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU time of this JVM and of other processes on this Linux machine ({@code /proc/<pid>/stat}),
 * for the load tools: on a machine that others share, CPU time per message is steadier than
 * messages per second, and it shows which side of a broker or database the time goes to.
 * Everything returns -1 where it cannot be read (another OS, a server on another machine).
 */
public final class ProcessCpu {
    /** Nanoseconds per clock tick of {@code /proc/<pid>/stat} (USER_HZ, 100 on Linux). */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcessCpu() {
    }

    /** CPU time of this JVM, all threads, in nanoseconds. */
    public static long jvmNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** CPU time (user + system) of process {@code pid} in nanoseconds, or -1. */
    public static long nanos(long pid) {
        try {
            String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK; // fields 14 and 15: utime, stime
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The ids of the processes whose command name ({@code /proc/<pid>/comm}) is {@code comm}. */
    public static List<Long> pidsOf(String comm) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            return Files.readString(p.resolve("comm")).trim().equals(comm);
                        } catch (IOException | RuntimeException e) {
                            return false;
                        }
                    })
                    .map(p -> Long.parseLong(p.getFileName().toString()))
                    .toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * Of {@code pids}, the one that has used the most CPU so far (the server, not a short-lived
     * command-line tool of the same name such as {@code rabbitmqctl}'s), as a list of zero or one.
     */
    public static List<Long> busiest(List<Long> pids) {
        return pids.stream().filter(p -> nanos(p) >= 0)
                .max(java.util.Comparator.comparingLong(ProcessCpu::nanos)).map(List::of).orElse(List.of());
    }

    /** The summed CPU time of {@code pids} in nanoseconds, or -1 if there are none or one cannot be read. */
    public static long nanos(List<Long> pids) {
        if (pids.isEmpty()) {
            return -1;
        }
        long sum = 0;
        for (long pid : pids) {
            long n = nanos(pid);
            if (n < 0) {
                return -1;
            }
            sum += n;
        }
        return sum;
    }
}
