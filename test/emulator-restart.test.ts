import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Agent, fetch } from "undici";
import type { RunningEmulator } from "../src/emulator/index.js";
import { type CertificatePem, createCertificate } from "../src/http/tls.js";
import {
  admin,
  advanceClock,
  checkoutUntilResult,
  createMerchant,
  sdkClient,
  startTestEmulator,
  type TestMerchant,
} from "./emulator-sdk-support.js";

const ENTRY = fileURLToPath(new URL("../src/emulator/index.ts", import.meta.url));

/** Runs the emulator in a child process on `dataDir`; resolves with it and its port once listening. */
async function startChild(
  dataDir: string,
  tls: CertificatePem,
): Promise<{ child: ChildProcess; port: number }> {
  const script = `
    const { startEmulator } = await import(${JSON.stringify(ENTRY)});
    const emulator = await startEmulator({ port: 0, dataDir: ${JSON.stringify(dataDir)}, ipn: false, tls: ${JSON.stringify(tls)} });
    console.log(JSON.stringify({ port: emulator.port }));
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(
    createInterface({ input: child.stdout as NonNullable<ChildProcess["stdout"]> }),
    "line",
  )) as [string];
  return { child, port: (JSON.parse(line) as { port: number }).port };
}

const directories: string[] = [];
after(async () => {
  for (const dir of directories) await rm(dir, { recursive: true, force: true });
});

describe("restart on the same data directory", () => {
  it("after SIGKILL, everything answered is still there: objects, clock, idempotency, keys", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "kasse-emulator-"));
    directories.push(dataDir);
    const tls = await createCertificate();
    const { child, port } = await startChild(dataDir, tls);
    const dispatcher = new Agent({ connect: { ca: tls.cert } });
    let reopened: RunningEmulator | undefined;
    try {
      // A stand-in that talks to the child over HTTPS; admin calls go through the child's API too.
      const remote = { port, app: undefined } as unknown as RunningEmulator;
      const adminUrl = (path: string) => `https://127.0.0.1:${port}${path}`;
      const post = async (path: string, body: object) => {
        const response = await fetch(adminUrl(path), {
          dispatcher,
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        assert.ok(response.ok, `${path}: ${response.status}`);
        return (await response.json()) as Record<string, unknown>;
      };
      const merchant = {
        ...(await post("/__admin/merchants", { region: "eu" })),
        region: "eu",
      } as unknown as TestMerchant;
      const client = sdkClient(remote, merchant);
      const remoteAdmin = { ...remote, app: { inject: injectVia(post) } } as unknown as RunningEmulator;
      const sessionId = await checkoutUntilResult(remoteAdmin, client, merchant, {
        paymentIntent: "Authorize",
        chargeAmount: { amount: "12.34", currencyCode: "EUR" },
      });
      const completed = await client.completeCheckoutSession(sessionId, {
        chargeAmount: { amount: "12.34", currencyCode: "EUR" },
      });
      const chargeId = completed.data.chargeId as string;
      const key = { "x-amz-pay-idempotency-key": "capture-before-kill" };
      const captured = await client.captureCharge(
        chargeId,
        { captureAmount: { amount: "12.34", currencyCode: "EUR" } },
        key,
      );
      await post("/__admin/clock", { advanceSeconds: 3600 });

      child.kill("SIGKILL");
      await once(child, "exit");

      reopened = await startTestEmulator({ dataDir });
      assert.ok(reopened.clock.offsetMs >= 3600_000, "the emulated clock kept its offset");
      const again = sdkClient(reopened, merchant);
      const charge = await again.getCharge(chargeId);
      assert.equal(charge.data.statusDetails.state, "Captured");
      const replay = await again.captureCharge(
        chargeId,
        { captureAmount: { amount: "12.34", currencyCode: "EUR" } },
        key,
      );
      assert.deepEqual(replay.data, captured.data);
      const session = await again.getCheckoutSession(sessionId);
      assert.equal(session.data.statusDetails.state, "Completed");
      const outbox = await reopened.db.query<{ count: number }>(
        "select count(*)::int as count from ipn_outbox",
      );
      assert.ok((outbox[0]?.count ?? 0) >= 3);
      // New work still gets fresh ids and the new merchant API still works.
      const second = await createMerchant(reopened, { region: "eu" });
      assert.notEqual(second.merchantId, merchant.merchantId);
      await advanceClock(reopened, 1);
      await admin(reopened, "/__admin/faults", { reset: true });
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await reopened?.close();
      await dispatcher.close();
    }
  });
});

/** An `inject` look-alike that sends admin calls to the child over HTTPS. */
function injectVia(post: (path: string, body: object) => Promise<Record<string, unknown>>) {
  return async (options: { url: string; payload?: object }) => {
    const body = await post(options.url, options.payload ?? {});
    return { statusCode: 200, body: JSON.stringify(body), json: () => body };
  };
}
