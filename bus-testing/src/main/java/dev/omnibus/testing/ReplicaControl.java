package dev.omnibus.testing;

import dev.omnibus.spi.Interleaving;
import java.util.random.RandomGenerator;

/** The {@link Simulator} as seen by the harness's second and later replicas: their own workers, the same baton and sources. */
final class ReplicaControl implements Interleaving.Control {
    private final Simulator sim;
    private final int replica;

    ReplicaControl(Simulator sim, int replica) {
        this.sim = sim;
        this.replica = replica;
    }

    @Override
    public Interleaving.Workers workers(String endpoint, int concurrency) {
        return sim.workers(endpoint, concurrency, replica);
    }

    @Override
    public void point(String what) {
        sim.point(what);
    }

    @Override
    public void pointUntil(String what, java.util.function.BooleanSupplier ready) {
        sim.pointUntil(what, ready);
    }

    @Override
    public boolean adoptBackground(String name, java.util.function.BooleanSupplier due, Runnable pass) {
        return sim.adoptBackground(name + "#" + replica, replica, due, pass);
    }

    @Override
    public RandomGenerator random() {
        return sim.random();
    }

    @Override
    public long nextIdHigh() {
        return sim.nextIdHigh();
    }

    @Override
    public long nextIdLow() {
        return sim.nextIdLow();
    }
}
