package dev.omnibus.outbox.kit;

import dev.omnibus.outbox.ProtocolStep;
import dev.omnibus.outbox.StepListener;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A process that freezes at a protocol step: the first thread to reach {@code step} stops there,
 * and from then on every thread of the process that reaches any step stops too, until interrupted
 * (as a process that hangs and is then killed). Interrupting is what closing the bus does to its
 * threads, so "crash, then kill" is: wait for {@link #crashed()}, then close the bus.
 */
public final class CrashAt implements StepListener {
    private final ProtocolStep step;
    private final AtomicBoolean frozen = new AtomicBoolean();
    private final CountDownLatch never = new CountDownLatch(1);

    public CrashAt(ProtocolStep step) {
        this.step = step;
    }

    /** Whether the crash point was reached. */
    public boolean crashed() {
        return frozen.get();
    }

    @Override
    public void reached(ProtocolStep s) throws InterruptedException {
        if (frozen.get() || s == step && frozen.compareAndSet(false, true)) {
            never.await(); // until the process is killed (interrupted)
            throw new InterruptedException("killed");
        }
    }
}
