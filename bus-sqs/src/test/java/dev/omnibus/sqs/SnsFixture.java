package dev.omnibus.sqs;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.Topic;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Finds the SNS + SQS + S3 server for the tests that need a topic (fan-out to queues) or a bucket
 * (the claim check), in this order:
 * <ol>
 *   <li>{@code OMNIBUS_SNS_ENDPOINT} (an {@code http://host:port} URL serving SNS, SQS and S3 on
 *       one endpoint, as fauxqs and LocalStack do) if set;</li>
 *   <li>else ONE fauxqs emulator (npm package {@code fauxqs} 1.9.2, the last line that runs on
 *       Node 20; {@code interop/aws-emulator}) started as a child process of this JVM by
 *       {@code node interop/aws-emulator/serve.mjs}, on {@code 127.0.0.1} and a free port, lazily
 *       on first use, kept for the whole JVM and stopped by a shutdown hook. It starts in well
 *       under a second. Its modules come from {@code npm ci --prefix interop/aws-emulator}, which
 *       {@code .ci/run} runs; {@code node} from {@code OMNIBUS_NODE} or the {@code PATH}.</li>
 * </ol>
 * With {@code -Domnibus.ci=true} a missing node, missing modules or an emulator that does not
 * start fail the calling test; otherwise it is skipped with a message saying how to provide one.
 * The failure is remembered.
 *
 * <p><b>Why SQS comes from here too.</b> fauxqs's SNS delivers only to queues of its own SQS: a
 * subscription's endpoint is a queue ARN looked up in its own store, and it has no HTTP/S
 * delivery. So a topic cannot feed an ElasticMQ queue. Tests of SNS fan-out use this server's SQS
 * ({@link #sqs()}); tests of SQS behaviour alone use {@link SqsFixture} (ElasticMQ, strict limits).
 * What fauxqs honours and what it does not is listed in docs/sqs.md ("Test servers") and asserted
 * by {@code SnsEmulatorBehaviourTest}; in short (fauxqs 1.9.2): topic → queue fan-out, message
 * attributes, raw delivery, filter policies on attributes and on the body, FIFO topics into FIFO
 * queues, the 256 KiB publish limit and S3 put/get all behave.
 *
 * <p>The child exits when its standard input closes, so a JVM killed without its shutdown hook
 * does not leave an emulator running. Its output goes to this class's logger at debug.
 *
 * <p>Tests name topics, queues and buckets with a per-run prefix ({@code RunIds.next()}) and
 * remove them with the {@code delete*WithPrefix} methods. Buckets: S3 bucket names are lower
 * case, which {@code RunIds} ids are. Thread-safe.
 */
final class SnsFixture {
    static final String ENV = "OMNIBUS_SNS_ENDPOINT";
    static final String NODE_ENV = "OMNIBUS_NODE";
    /** How long the child may take to print the line with its address. */
    private static final long START_TIMEOUT_SECONDS = 30;

    private static final Logger log = LoggerFactory.getLogger(SnsFixture.class);

    private static volatile URI endpoint;
    private static volatile SnsClient sns;
    private static volatile SqsClient sqs;
    private static volatile S3Client s3;
    private static volatile Process child;
    private static volatile String unavailable;
    private static volatile long childStartMillis = -1;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(SnsFixture::closeAll, "omnibus-sns-fixture-close"));
    }

    private SnsFixture() {
    }

    /** The emulator's endpoint (SNS, SQS and S3); fails or aborts (skips) the calling test when there is none. */
    static URI endpoint() {
        URI e = endpoint;
        if (e != null) {
            return e;
        }
        synchronized (SnsFixture.class) {
            if (endpoint == null) {
                endpoint = find();
            }
            return endpoint;
        }
    }

    /** A shared SNS client (do not close it). */
    static SnsClient sns() {
        URI e = endpoint();
        synchronized (SnsFixture.class) {
            if (sns == null) {
                sns = AwsTestClients.sns(e);
            }
            return sns;
        }
    }

    /** A shared client of the emulator's own SQS, the only queues its topics deliver to (do not close it). */
    static SqsClient sqs() {
        URI e = endpoint();
        synchronized (SnsFixture.class) {
            if (sqs == null) {
                sqs = AwsTestClients.sqs(e);
            }
            return sqs;
        }
    }

    /** A shared S3 client, path-style (do not close it). */
    static S3Client s3() {
        URI e = endpoint();
        synchronized (SnsFixture.class) {
            if (s3 == null) {
                s3 = AwsTestClients.s3(e);
            }
            return s3;
        }
    }

    /** Deletes this run's topics whose names start with {@code prefix} (their subscriptions go with them). */
    static int deleteTopicsWithPrefix(String prefix) {
        AwsTestClients.requireOurs(prefix, "topics");
        List<String> arns = sns().listTopicsPaginator(r -> { }).topics().stream()
                .map(Topic::topicArn)
                .filter(arn -> arn.substring(arn.lastIndexOf(':') + 1).startsWith(prefix))
                .toList();
        for (String arn : arns) {
            sns().deleteTopic(r -> r.topicArn(arn));
        }
        return arns.size();
    }

    /** Deletes this run's queues on the emulator's SQS whose names start with {@code prefix}. */
    static int deleteQueuesWithPrefix(String prefix) {
        return AwsTestClients.deleteQueuesWithPrefix(sqs(), prefix);
    }

    /** Empties and deletes this run's buckets whose names start with {@code prefix}. */
    static int deleteBucketsWithPrefix(String prefix) {
        AwsTestClients.requireOurs(prefix, "buckets");
        List<String> buckets = s3().listBuckets().buckets().stream()
                .map(b -> b.name())
                .filter(name -> name.startsWith(prefix))
                .toList();
        for (String bucket : buckets) {
            try {
                List<String> keys = s3().listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream()
                        .map(S3Object::key)
                        .toList();
                for (String key : keys) {
                    s3().deleteObject(r -> r.bucket(bucket).key(key));
                }
                s3().deleteBucket(r -> r.bucket(bucket));
            } catch (NoSuchBucketException alreadyGone) {
                // deleted meanwhile
            }
        }
        return buckets.size();
    }

    /** Whether the server is the fauxqs child of this JVM. */
    static boolean embedded() {
        endpoint();
        return child != null;
    }

    /** Milliseconds from starting {@code node} to the emulator's "listening" line; -1 when none was started. */
    static long childStartMillis() {
        return childStartMillis;
    }

    private static URI find() {
        if (unavailable != null) {
            return noServer(unavailable);
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            log.info("SNS/SQS/S3 emulator for the tests: {} (from {})", env.trim(), ENV);
            return URI.create(env.trim());
        }
        String node = nodeExecutable();
        Path dir = emulatorDir();
        if (node == null || dir == null) {
            return noServer(unavailable);
        }
        try {
            return startChild(node, dir);
        } catch (IOException | TimeoutException | ExecutionException | RuntimeException e) {
            unavailable = "the fauxqs child did not start: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unavailable = "interrupted while starting the fauxqs child";
        }
        return noServer(unavailable);
    }

    private static URI startChild(String node, Path dir)
            throws IOException, InterruptedException, ExecutionException, TimeoutException {
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(node, "serve.mjs")
                .directory(dir.toFile())
                .redirectErrorStream(true);
        pb.environment().put("FAUXQS_PORT", "0");
        pb.environment().put("FAUXQS_LOGGER", "false");
        Process p = pb.start();
        child = p;
        // Standard input stays open: the child exits when it closes (this JVM's exit, however it happens).
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> address = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (!address.isDone() && line.startsWith("fauxqs listening on ")) {
                        address.complete(line.substring("fauxqs listening on ".length()).trim());
                    } else {
                        log.debug("fauxqs: {}", line);
                    }
                }
                address.completeExceptionally(new IOException("the child exited (" + exitOf(p) + ") before it listened"));
            } catch (IOException e) {
                address.completeExceptionally(e);
            }
        }, "omnibus-fauxqs-output");
        reader.setDaemon(true);
        reader.start();
        String url;
        try {
            url = address.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            p.destroyForcibly();
            child = null;
            throw e;
        }
        childStartMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        log.info("SNS/SQS/S3 emulator for the tests: fauxqs (node, pid {}) at {}, ready in {} ms",
                p.pid(), url, childStartMillis);
        return URI.create(url);
    }

    private static String exitOf(Process p) {
        try {
            return p.waitFor(2, TimeUnit.SECONDS) ? "exit code " + p.exitValue() : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** interop/aws-emulator above the working directory, with its modules installed; else null and {@link #unavailable} set. */
    private static Path emulatorDir() {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("interop").resolve("aws-emulator");
            if (Files.isRegularFile(candidate.resolve("serve.mjs"))) {
                if (!Files.isRegularFile(candidate.resolve("node_modules").resolve("fauxqs").resolve("package.json"))) {
                    unavailable = "the emulator's modules are not installed in " + candidate.resolve("node_modules")
                            + " (run: npm ci --prefix interop/aws-emulator)";
                    return null;
                }
                return candidate;
            }
        }
        unavailable = "interop/aws-emulator/serve.mjs was not found above " + Paths.get("").toAbsolutePath();
        return null;
    }

    /** node from OMNIBUS_NODE or the PATH; else null and {@link #unavailable} set. */
    private static String nodeExecutable() {
        String env = System.getenv(NODE_ENV);
        if (env != null && !env.isBlank()) {
            if (Files.isExecutable(Paths.get(env))) {
                return env;
            }
            unavailable = NODE_ENV + "=" + env + " is not an executable file";
            return null;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("node", "node.exe")) {
                Path candidate = Paths.get(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        unavailable = "node is not on the PATH (fauxqs 1.x needs Node.js 20 or later)";
        return null;
    }

    /** Fails the calling test under CI, aborts (skips) it otherwise. */
    private static URI noServer(String why) {
        String how = "No SNS/SQS/S3 emulator: " + why + ". Set " + ENV + "=http://host:port (fauxqs: "
                + "npm ci --prefix interop/aws-emulator && node interop/aws-emulator/serve.mjs), or install Node.js 20+ "
                + "and run npm ci --prefix interop/aws-emulator (.ci/run does)";
        if (Boolean.getBoolean("omnibus.ci")) {
            throw new AssertionError(how + " [CI=true: a missing emulator fails the build]");
        }
        Assumptions.abort(how);
        return null;
    }

    private static void closeAll() {
        for (AutoCloseable c : new AutoCloseable[] {sns, sqs, s3}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("SnsFixture: closing a client failed: " + e);
                }
            }
        }
        Process p = child;
        if (p != null) {
            p.destroy(); // SIGTERM: serve.mjs closes its server and exits
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

}
