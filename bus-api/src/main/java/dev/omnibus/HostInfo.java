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

    /**
     * The application's version, as MassTransit writes its entry assembly's version: the
     * {@code Implementation-Version} of the main jar's manifest or of the main class's package, else
     * {@code 0.0.0.0} (never absent: MassTransit always writes {@code MT-Host-AssemblyVersion}).
     */
    private static String versionOf(String command) {
        String main = command.isBlank() ? "" : command.split(" ", 2)[0];
        String version = null;
        try {
            if (main.endsWith(".jar")) {
                try (java.util.jar.JarFile jar = new java.util.jar.JarFile(main)) {
                    java.util.jar.Manifest m = jar.getManifest();
                    version = m == null ? null
                            : m.getMainAttributes().getValue(java.util.jar.Attributes.Name.IMPLEMENTATION_VERSION);
                }
            } else if (!main.isEmpty()) {
                // the JVM's own main class, named on its command line, not by any message
                Class<?> c = Class.forName(main, false, ClassLoader.getSystemClassLoader());
                version = c.getPackage() == null ? null : c.getPackage().getImplementationVersion();
            }
        } catch (Exception | LinkageError e) {
            version = null;
        }
        return version == null || version.isBlank() ? "0.0.0.0" : version;
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
                versionOf(command),
                "Java " + Runtime.version() + " (" + runtime + ")",
                OMNIBUS_VERSION,
                System.getProperty("os.name") + " " + System.getProperty("os.version"));
    }
}
