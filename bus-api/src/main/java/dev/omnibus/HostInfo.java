package dev.omnibus;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;

/**
 * The process that wrote a message, in MassTransit's {@code host} shape so that .NET tools
 * show it. {@link #current()} describes this JVM.
 */
public record HostInfo(
        String machineName,
        String processName,
        Integer processId,
        String assembly,
        String assemblyVersion,
        String frameworkVersion,
        String massTransitVersion,
        String operatingSystemVersion) {

    /** The Omnibus version written as {@code massTransitVersion}, so peers can tell the library. */
    public static final String OMNIBUS_VERSION = "omnibus-0.1.0";

    private static final HostInfo CURRENT = detect();

    /** This process. */
    public static HostInfo current() {
        return CURRENT;
    }

    private static HostInfo detect() {
        String machine;
        try {
            machine = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            machine = System.getenv().getOrDefault("HOSTNAME", "unknown");
        }
        String command = System.getProperty("sun.java.command", "java");
        String processName = command.isBlank() ? "java" : command.split(" ", 2)[0];
        int slash = processName.lastIndexOf('/');
        if (slash >= 0) {
            processName = processName.substring(slash + 1);
        }
        long pid = ProcessHandle.current().pid();
        String runtime = ManagementFactory.getRuntimeMXBean().getVmName();
        return new HostInfo(
                machine,
                processName,
                (int) pid,
                processName,
                null,
                "Java " + Runtime.version() + " (" + runtime + ")",
                OMNIBUS_VERSION,
                System.getProperty("os.name") + " " + System.getProperty("os.version"));
    }
}
