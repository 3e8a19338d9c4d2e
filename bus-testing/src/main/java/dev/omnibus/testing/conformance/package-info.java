/**
 * The transport conformance kit: extend
 * {@link dev.omnibus.testing.conformance.TransportConformanceKit} in a transport module's tests
 * and implement {@code newTransport()}; the transport is done when the kit passes.
 */
package dev.omnibus.testing.conformance;
