/**
 * Gateways as separate `kasse start --no-emulator` processes beside an emulator in the test's
 * own process (so the test drives its clock and faults), for the scenarios that kill or double
 * the gateway (`async-restart`, `async-two-process`). Every server presents one certificate,
 * written to the work directory, so one agent trusts them all.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "undici";
import { type RunningEmulator, startEmulator } from "../src/emulator/index.js";
import type { RunningGateway } from "../src/gateway/index.js";
import { createCertificate } from "../src/http/tls.js";
import { ADMIN_TOKEN, NotifyReceiver, type World } from "./paygate-support.js";
import { type KasseProcess, startKasse } from "./support/kasse-process.js";

/** The master key every gateway process shares (the merchants' secrets are sealed with it). */
const MASTER_KEY = Buffer.alloc(32, 7).toString("base64");

export interface ProcessBench {
  readonly workDir: string;
  readonly emulator: RunningEmulator;
  readonly notify: NotifyReceiver;
  readonly agent: Agent;
  /** Spawns a gateway process; `name` picks its data directory (same name = same data). */
  spawnGateway(name: string, port: number, env?: NodeJS.ProcessEnv): Promise<KasseProcess>;
  /** The paygate-support view of one gateway process, for `call`, `browse` and `buyer`. */
  worldOf(gateway: KasseProcess): World;
  close(): Promise<void>;
}

export async function startProcessBench(options: { readonly extraArgs?: readonly string[] } = {}) {
  const workDir = await mkdtemp(join(tmpdir(), "kasse-async-proc-"));
  const tls = await createCertificate();
  await writeFile(join(workDir, "cert.pem"), tls.cert);
  await writeFile(join(workDir, "key.pem"), tls.key, { mode: 0o600 });
  const emulator = await startEmulator({
    port: 0,
    tls,
    ipn: { pollIntervalMs: 50, retrySchedule: [500, 500, 1_000, 1_000, 2_000, 2_000, 5_000, 5_000, 10_000] },
  });
  const notify = new NotifyReceiver();
  await notify.start();
  const agent = new Agent({ connect: { ca: tls.cert, rejectUnauthorized: true } });
  const { DATABASE_URL: _url, KASSE_DATABASE_SCHEMA: _schema, ...parentEnv } = process.env;
  const bench: ProcessBench = {
    workDir,
    emulator,
    notify,
    agent,
    spawnGateway: (name, port, env = {}) =>
      startKasse(
        [
          "start",
          "--no-emulator",
          "--emulator-url",
          emulator.url,
          "--emulator-ca",
          join(workDir, "cert.pem"),
          "--tls-cert",
          join(workDir, "cert.pem"),
          "--tls-key",
          join(workDir, "key.pem"),
          "--port",
          String(port),
          "--data",
          join(workDir, name),
          ...(options.extraArgs ?? []),
        ],
        {
          ...parentEnv,
          KASSE_LOG_LEVEL: process.env.KASSE_TEST_LOG ?? "warn",
          KASSE_ADMIN_TOKEN: ADMIN_TOKEN,
          KASSE_MASTER_KEY: MASTER_KEY,
          ...env,
        },
      ),
    worldOf: (gateway) => ({
      gateway: { url: gateway.ready.gateway } as unknown as RunningGateway,
      emulator,
      notify,
      agent,
      close: async () => {},
    }),
    async close() {
      await emulator.close();
      await notify.close();
      await agent.close();
      await rm(workDir, { recursive: true, force: true });
    },
  };
  return bench;
}
