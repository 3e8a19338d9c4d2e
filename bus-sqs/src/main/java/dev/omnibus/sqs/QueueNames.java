package dev.omnibus.sqs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Endpoint names to SQS queue names. SQS allows {@code [A-Za-z0-9_-]}, at most 80 characters
 * ({@code .fifo} included for a FIFO queue). A name that is valid and short enough is kept as it
 * is; any other is made valid (each other character becomes {@code -}), cut so that it fits, and
 * given the suffix {@code -} plus 10 hex digits of the SHA-256 of the original name. A valid name
 * that already ends like such a suffix is hashed too, so a kept name never equals a hashed one: two
 * different names never map to the same queue (up to a 40-bit hash collision among changed names).
 * Pure functions; thread-safe.
 */
final class QueueNames {
    static final int MAX_LENGTH = 80;
    static final String FIFO_SUFFIX = ".fifo";
    private static final int HASH_HEX = 10;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern LOOKS_HASHED = Pattern.compile(".*-[0-9a-f]{" + HASH_HEX + "}");

    private QueueNames() {
    }

    /** The queue of {@code prefix + name}. */
    static String queueName(String prefix, String name) {
        return map(prefix + name, MAX_LENGTH);
    }

    /** The FIFO queue of {@code prefix + name}, ending in {@code .fifo}. */
    static String fifoQueueName(String prefix, String name) {
        return map(prefix + name, MAX_LENGTH - FIFO_SUFFIX.length()) + FIFO_SUFFIX;
    }

    /** Whether {@code s} may start a queue name as it is (the builder checks prefixes with it). */
    static boolean isValid(String s) {
        return VALID.matcher(s).matches();
    }

    static String map(String full, int max) {
        if (!full.isEmpty() && full.length() <= max && VALID.matcher(full).matches()
                && !LOOKS_HASHED.matcher(full).matches()) {
            return full;
        }
        StringBuilder b = new StringBuilder(full.length());
        for (int i = 0; i < full.length(); i++) {
            char c = full.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            b.append(ok ? c : '-');
        }
        int keep = max - 1 - HASH_HEX;
        if (b.length() > keep) {
            b.setLength(keep);
        }
        return b.append('-').append(hash(full)).toString();
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, HASH_HEX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
