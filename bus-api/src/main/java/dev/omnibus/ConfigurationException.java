package dev.omnibus;

import java.util.List;

/**
 * The bus or an endpoint was configured wrongly. Thrown by {@code build()} / {@code start()}
 * with every problem found, each saying what to fix. Not retryable.
 */
public final class ConfigurationException extends BusException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public ConfigurationException(List<String> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigurationException(String problem) {
        this(List.of(problem));
    }

    /** Each problem found, in the order found. */
    public List<String> problems() {
        return problems;
    }

    @Override
    public boolean isRetryable() {
        return false;
    }

    private static String format(List<String> problems) {
        if (problems.size() == 1) {
            return "Invalid configuration: " + problems.get(0);
        }
        StringBuilder b = new StringBuilder("Invalid configuration, ").append(problems.size()).append(" problems:");
        for (String p : problems) {
            b.append("\n  - ").append(p);
        }
        return b.toString();
    }
}
