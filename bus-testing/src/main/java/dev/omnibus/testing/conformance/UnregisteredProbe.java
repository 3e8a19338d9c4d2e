package dev.omnibus.testing.conformance;

/**
 * A record no bus registers and the kit never touches by class. A message naming it
 * ({@code urn:message:dev.omnibus.testing.conformance:UnregisteredProbe}) must be skipped without
 * the class being initialized: if a bus loaded and instantiated it from the name in the message,
 * the static initializer would count it.
 */
record UnregisteredProbe(String command) {
    static {
        TransportConformanceKit.UNREGISTERED_PROBE_INITIALIZATIONS.incrementAndGet();
    }
}
