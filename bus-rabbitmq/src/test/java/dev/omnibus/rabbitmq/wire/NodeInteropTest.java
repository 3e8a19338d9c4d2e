package dev.omnibus.rabbitmq.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Bus;
import dev.omnibus.MessageUrn;
import dev.omnibus.rabbitmq.GoldenBroker;
import dev.omnibus.rabbitmq.RabbitMqTransport;
import dev.omnibus.testing.RunIds;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The foreign-client check: a MassTransit peer written in Node.js with amqplib
 * ({@code interop/node/masstransit-peer.js}) publishes MassTransit envelopes that an Omnibus bus
 * consumes, sends it a request with a temporary response address, and checks, field by field, what
 * Omnibus publishes in reaction and the response it gets. The peer prints every mismatch and exits
 * non-zero; this test runs it as a child process with a deadline and asserts on its exit code.
 *
 * <p>Fixture rules: {@code node} is taken from {@code OMNIBUS_NODE} or the {@code PATH}; the
 * modules from {@code interop/node/node_modules} ({@code npm ci --prefix interop/node}, which
 * {@code .ci/run} runs). With {@code CI=true} a missing node or missing modules fail the test;
 * elsewhere the test is skipped with a message saying how to provide them.
 */
class NodeInteropTest {
    private static final long DEADLINE_SECONDS = 60;

    enum Priority { LOW, NORMAL, HIGH }

    @MessageUrn("Acme.Interop:SubmitOrder")
    record SubmitOrder(UUID orderId, String customer, BigDecimal total, Priority priority) {
    }

    @MessageUrn("Acme.Interop:OrderAccepted")
    record OrderAccepted(UUID orderId, BigDecimal total, Priority priority) {
    }

    @MessageUrn("Acme.Interop:CheckStock")
    record CheckStock(String sku) {
    }

    @MessageUrn("Acme.Interop:StockStatus")
    record StockStatus(String sku, int available) {
    }

    @Test
    void aNodeMassTransitPeerAndOmnibusUnderstandEachOther() throws Exception {
        Path peerDir = peerDirectory();
        String node = nodeExecutable();
        String run = RunIds.next();
        String orders = "interop-orders-" + run;
        String stock = "interop-stock-" + run;
        URI broker = URI.create(GoldenBroker.uri());
        RabbitMqTransport transport = GoldenBroker.transport();
        try (Bus bus = Bus.builder().transport(transport).name("interop-node-" + run)
                .receiveEndpoint(orders, e -> e.consumer(SubmitOrder.class, ctx -> {
                    if (ctx.message().customer().equals("node-" + run)) {
                        ctx.publish(new OrderAccepted(ctx.message().orderId(), ctx.message().total(), ctx.message().priority())).join();
                    }
                }))
                .receiveEndpoint(stock, e -> e.consumer(CheckStock.class,
                        ctx -> ctx.respond(new StockStatus(ctx.message().sku(), 7)).join()))
                .start()) {
            ProcessBuilder pb = new ProcessBuilder(node, "masstransit-peer.js")
                    .directory(peerDir.toFile())
                    .redirectErrorStream(true);
            pb.environment().put("AMQP_URL", GoldenBroker.uri());
            pb.environment().put("RUN_ID", run);
            pb.environment().put("STOCK_QUEUE", stock);
            pb.environment().put("ADDRESS_HOST", broker.getHost()
                    + (broker.getPort() > 0 && broker.getPort() != 5672 ? ":" + broker.getPort() : ""));
            pb.environment().put("DEADLINE_MS", String.valueOf((DEADLINE_SECONDS - 10) * 1000));
            Process p = pb.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> copy(p.getInputStream(), out), "node-peer-output");
            reader.setDaemon(true);
            reader.start();
            boolean exited = p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS);
            if (!exited) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(5_000);
            String output = out.toString(StandardCharsets.UTF_8);
            assertThat(exited).as("the node peer finished within %d s; its output:%n%s", DEADLINE_SECONDS, output).isTrue();
            assertThat(p.exitValue())
                    .as("exit code of the node MassTransit peer (0 = every field matched); its output:%n%s", output)
                    .isZero();
            assertThat(output).contains("OK: every field matched");
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean ci() {
        return Boolean.getBoolean("omnibus.ci") || "true".equalsIgnoreCase(System.getenv("CI"));
    }

    private static void missing(String what) {
        String how = what + ". Install Node.js 18+ (node and npm on the PATH, or OMNIBUS_NODE=/path/to/node) and run "
                + "`npm ci --prefix interop/node` from the repository root (.ci/run does this).";
        if (ci()) {
            throw new AssertionError(how + " [CI=true: a missing foreign client fails the build]");
        }
        Assumptions.abort(how);
    }

    /** interop/node, found by walking up from the working directory (the module's folder under Maven). */
    private static Path peerDirectory() {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("interop").resolve("node");
            if (Files.isRegularFile(candidate.resolve("masstransit-peer.js"))) {
                if (!Files.isRegularFile(candidate.resolve("node_modules").resolve("amqplib").resolve("package.json"))) {
                    missing("The Node peer's modules are not installed (" + candidate.resolve("node_modules") + ")");
                }
                return candidate;
            }
        }
        missing("interop/node/masstransit-peer.js was not found above " + Paths.get("").toAbsolutePath());
        return null;
    }

    private static String nodeExecutable() {
        String env = System.getenv("OMNIBUS_NODE");
        if (env != null && !env.isBlank()) {
            if (Files.isExecutable(Paths.get(env))) {
                return env;
            }
            missing("OMNIBUS_NODE=" + env + " is not an executable file");
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            for (String name : List.of("node", "node.exe")) {
                Path candidate = Paths.get(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        missing("No `node` executable on the PATH");
        return null;
    }
}
