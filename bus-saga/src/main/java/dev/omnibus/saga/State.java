package dev.omnibus.saga;

import java.util.Objects;

/**
 * A state of a {@link StateMachine}, known by its name (which is what a repository stores). Every
 * machine has {@link #INITIAL} (before the first event) and {@link #FINAL} (after
 * {@code finalizeInstance()}); declare the others with {@code state("Pending")}.
 *
 * @param name the state's name, unique within its machine
 */
public record State(String name) {
    /** The state of an instance that does not exist yet. */
    public static final State INITIAL = new State("Initial");
    /** The state of a finished instance. */
    public static final State FINAL = new State("Final");

    public State {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a state needs a name");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
