/**
 * The connector's own CPU per call (docs/PERFORMANCE.md): 1,000 signed getCheckoutSession calls
 * at concurrency 16 against a `kasse emulator` child process, CPU of this process only (the
 * client: canonical request, signature, TLS, undici, JSON), next to one signature measured now.
 * Usage: node --import tsx scripts/connector-cpu.ts [CALLS] [CONCURRENCY]
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Agent, request } from "undici";
import { AmazonPayClient } from "../src/amazon/index.js";
import { measureSignatureMs } from "../src/bench/run.js";
import { createCertificate } from "../src/http/tls.js";
import { rsaSignatures } from "../src/metrics.js";

const calls = Number(process.argv[2] ?? 1000);
const concurrency = Number(process.argv[3] ?? 16);
const work = await mkdtemp(join(tmpdir(), "kasse-connector-"));
const tls = await createCertificate();
await writeFile(join(work, "cert.pem"), tls.cert);
await writeFile(join(work, "key.pem"), tls.key);
const main = new URL("../src/cli/main.ts", import.meta.url).pathname;
const child = spawn(
  process.execPath,
  ["--import", "tsx", main, "emulator", "--port", "0", "--data", join(work, "data")].concat([
    "--tls-cert",
    join(work, "cert.pem"),
    "--tls-key",
    join(work, "key.pem"),
  ]),
  {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, KASSE_LOG_LEVEL: "warn", DATABASE_URL: "" },
  },
);
try {
  const ready = JSON.parse(
    await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once("line", resolve)),
  ) as { emulator: string };
  const agent = new Agent({ connect: { ca: tls.cert } });
  const registered = await request(`${ready.emulator}/__admin/merchants`, {
    method: "POST",
    body: JSON.stringify({ region: "eu" }),
    headers: { "content-type": "application/json" },
    dispatcher: agent,
  });
  const merchant = (await registered.body.json()) as {
    storeId: string;
    publicKeyId: string;
    privateKeyPem: string;
  };
  const amazon = new AmazonPayClient({
    region: "eu",
    environment: "sandbox",
    publicKeyId: merchant.publicKeyId,
    privateKey: merchant.privateKeyPem,
    baseUrl: new URL(ready.emulator).host,
    ca: tls.cert,
    connections: concurrency,
  });
  const { body: session } = await amazon.createCheckoutSession(
    {
      webCheckoutDetails: { checkoutReviewReturnUrl: "https://shop.example/review" },
      storeId: merchant.storeId,
    },
    { idempotencyKey: `cs-${process.pid}` },
  );
  for (let i = 0; i < 50; i += 1) await amazon.getCheckoutSession(session.checkoutSessionId);
  const signaturesBefore = (await rsaSignatures.get()).values.reduce((sum, v) => sum + v.value, 0);
  const before = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) await amazon.getCheckoutSession(session.checkoutSessionId);
    }),
  );
  const spent = process.cpuUsage(before);
  const seconds = (performance.now() - started) / 1000;
  const signatures =
    (await rsaSignatures.get()).values.reduce((sum, v) => sum + v.value, 0) - signaturesBefore;
  const cpuMsPerCall = (spent.user + spent.system) / 1000 / calls;
  const rsaSignMs = measureSignatureMs(200);
  process.stdout.write(
    `${JSON.stringify({
      calls,
      concurrency,
      seconds: Number(seconds.toFixed(2)),
      signaturesPerCall: signatures / calls,
      cpuMsPerCall: Number(cpuMsPerCall.toFixed(3)),
      rsaSignMs: Number(rsaSignMs.toFixed(3)),
      signaturesWorth: Number((cpuMsPerCall / rsaSignMs).toFixed(2)),
    })}\n`,
  );
  await amazon.close();
  await agent.close();
} finally {
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  await rm(work, { recursive: true, force: true });
}
