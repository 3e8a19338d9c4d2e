package dev.omnibus.outbox;

/**
 * Hears each {@link ProtocolStep} as it is reached, on the thread reaching it. For tests that stop
 * a process at a given point (the crash-point kit blocks there until interrupted, as if the process
 * froze and died); production code leaves it unset.
 *
 * <p>A listener that throws makes the step fail as a database error would: the transaction rolls
 * back (before {@link ProtocolStep#COMMIT}) or the work is left for another attempt.
 */
@FunctionalInterface
public interface StepListener {
    /** No-op. */
    StepListener NONE = step -> { };

    void reached(ProtocolStep step) throws Exception;
}
