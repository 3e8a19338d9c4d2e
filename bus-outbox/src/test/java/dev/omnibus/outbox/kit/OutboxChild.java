package dev.omnibus.outbox.kit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.omnibus.outbox.ProtocolStep;
import dev.omnibus.outbox.StepListener;
import dev.omnibus.spi.Transport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The first process of {@link OutboxSigkillKit}, in a child JVM: a {@link KitProcess} producing orders
 * whose step listener freezes at the given {@link ProtocolStep}. The first thread to reach it writes
 * the step's name to the marker file (fsynced) and stops there; from then on every thread reaching
 * any step stops too, so the process stands still at that point of the protocol until the test
 * SIGKILLs it.
 *
 * <p>Arguments: JDBC URL, broker URI, {@link OutboxSigkillKit.TransportFactory} class, queue, step,
 * orders to produce, marker file.
 */
public final class OutboxChild {
    private OutboxChild() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String broker = args[1];
        Class<?> factoryClass = Class.forName(args[2]);
        String queue = args[3];
        ProtocolStep step = ProtocolStep.valueOf(args[4]);
        int orders = Integer.parseInt(args[5]);
        Path marker = Path.of(args[6]);

        var constructor = factoryClass.getDeclaredConstructor();
        constructor.setAccessible(true);
        Transport transport = ((OutboxSigkillKit.TransportFactory) constructor.newInstance()).connect(broker);
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url);
        cfg.setMaximumPoolSize(10);
        HikariDataSource ds = new HikariDataSource(cfg);

        AtomicBoolean frozen = new AtomicBoolean();
        StepListener freeze = s -> {
            if (s == step && frozen.compareAndSet(false, true)) {
                write(marker, s.name() + "\n");
            }
            while (frozen.get()) {
                LockSupport.park(); // until SIGKILL; spurious wake-ups and interrupts change nothing
            }
        };
        KitProcess process = new KitProcess(ds, transport, queue, freeze, new AtomicInteger());
        process.produce(orders);
        while (true) {
            LockSupport.park(); // the bus's threads are daemons: run until killed
        }
    }

    /** Writes {@code file} whole or not at all (written beside it, then renamed): its existence means its content is there. */
    private static void write(Path file, String text) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            out.force(true);
        } catch (IOException e) {
            throw new IllegalStateException("writing " + tmp + " failed", e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("writing " + file + " failed", e);
        }
    }
}
