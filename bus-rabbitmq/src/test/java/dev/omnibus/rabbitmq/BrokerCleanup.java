package dev.omnibus.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Deletes, at the end of the test run, the queues (and their exchanges of the same name) that this
 * run created on the local broker: those that appeared during the run AND carry an id this JVM
 * handed out ({@link dev.omnibus.testing.RunIds}), so a run never deletes what another run on the
 * same broker (a parallel build, an application) is using. Without it each run would leave a
 * hundred-odd durable queues behind, and a broker holding thousands takes minutes to restart (which
 * the restart test does). Works only where {@code rabbitmqctl} can list the local broker's queues;
 * elsewhere it does nothing.
 */
public final class BrokerCleanup implements LauncherSessionListener {
    private Set<String> before;

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        before = listQueues();
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        if (before == null) {
            return;
        }
        Set<String> after = listQueues();
        if (after == null) {
            return;
        }
        after.removeAll(before);
        after.removeIf(name -> !dev.omnibus.testing.RunIds.ours(name));
        if (after.isEmpty()) {
            return;
        }
        com.rabbitmq.client.ConnectionFactory f = new com.rabbitmq.client.ConnectionFactory();
        f.setHost("127.0.0.1");
        try (Connection c = f.newConnection("omnibus-test-cleanup")) {
            for (String q : after) {
                try (Channel ch = c.createChannel()) {
                    ch.queueDelete(q);
                    ch.exchangeDelete(q);
                } catch (IOException | RuntimeException | java.util.concurrent.TimeoutException e) {
                    // a queue an auto-delete already removed, or a channel closed by an error: go on
                }
            }
        } catch (Exception e) {
            System.err.println("BrokerCleanup: could not delete the run's " + after.size() + " queues: " + e);
        }
    }

    /** The local broker's queue names, or null when rabbitmqctl cannot tell. */
    private static Set<String> listQueues() {
        if (System.getenv(RabbitFixture.ENV) != null) {
            return null; // a broker elsewhere: not ours to list
        }
        try {
            Process p = new ProcessBuilder("rabbitmqctl", "-q", "list_queues", "name").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            Set<String> names = new HashSet<>();
            for (String line : out.split("\n")) {
                String name = line.trim();
                if (!name.isEmpty() && !name.equals("name")) {
                    names.add(name);
                }
            }
            return names;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
