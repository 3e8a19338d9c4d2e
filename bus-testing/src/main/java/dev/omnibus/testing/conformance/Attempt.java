package dev.omnibus.testing.conformance;

/** One delivery a consumer saw: its redelivery count and when it arrived ({@link System#nanoTime()}). */
record Attempt(int redeliveryCount, long nanoTime) {
}
