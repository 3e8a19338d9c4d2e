// Starts fauxqs (an in-memory SNS/SQS/S3 emulator) for bus-sqs's tests, on 127.0.0.1 only.
//
//   node serve.mjs            # a free port; prints "fauxqs listening on http://127.0.0.1:PORT"
//   FAUXQS_PORT=4566 node serve.mjs
//
// fauxqs's own CLI listens on 0.0.0.0 and a fixed port; this launcher binds the loopback
// address, takes any free port, and reports it on one line of standard output, which is what
// SnsFixture waits for. It exits when its standard input closes, so a test JVM that dies
// without running its shutdown hook does not leave an emulator behind (run it with
// `< /dev/null` only when that is what you want: it then exits at once; .ci/run does not use it).
import { buildApp } from "fauxqs";

const port = Number.parseInt(process.env.FAUXQS_PORT ?? "0", 10);
const app = buildApp({ logger: process.env.FAUXQS_LOGGER === "true" });
const address = await app.listen({ port, host: "127.0.0.1" });
process.stdout.write(`fauxqs listening on ${address}\n`);

if (process.env.FAUXQS_KEEP_RUNNING !== "true") {
  process.stdin.on("end", () => app.close().finally(() => process.exit(0)));
  process.stdin.resume();
}
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => app.close().finally(() => process.exit(0)));
}
