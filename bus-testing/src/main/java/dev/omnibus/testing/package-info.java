/**
 * Test support for Omnibus: {@link dev.omnibus.testing.Await} (waiting with a deadline, never
 * sleeping) and, in {@code dev.omnibus.testing.conformance}, the transport conformance kit.
 */
package dev.omnibus.testing;
