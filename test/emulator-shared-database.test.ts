/**
 * Two emulator processes on one PostgreSQL schema (`startEmulator({databaseUrl, databaseSchema})`,
 * as `kasse emulator` with DATABASE_URL runs it behind a load balancer): either answers for the
 * other's objects, a clock advance on one counts on the other at once, and their timer sweeps
 * and IPN workers running at the same time move each object once and send each IPN once.
 * Runs when DATABASE_URL is set (`npm run test:postgres`); PGlite belongs to one process.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type RunningEmulator, startEmulator } from "../src/emulator/index.js";
import { createCertificate } from "../src/http/tls.js";
import {
  admin,
  checkoutUntilResult,
  createMerchant,
  headers,
  type SdkClient,
  sdkClient,
  type TestMerchant,
} from "./emulator-sdk-support.js";

const DATABASE_URL = process.env.DATABASE_URL;
const HOUR = 3_600_000;

/** An IPN endpoint that counts what it receives. */
function startReceiver(): Promise<{
  server: Server;
  url: string;
  received: { messageId: string; objectId: string }[];
}> {
  const received: { messageId: string; objectId: string }[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const sns = JSON.parse(body);
      received.push({ messageId: sns.MessageId, objectId: JSON.parse(sns.Message).ObjectId });
      response.writeHead(200).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ipn`, received }),
    );
  });
}

describe("two emulators sharing one PostgreSQL schema", {
  skip: DATABASE_URL ? false : "DATABASE_URL not set",
}, () => {
  const schema = `t_shared_${process.pid}_${Date.now()}`;
  let first: RunningEmulator;
  let second: RunningEmulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let merchant: TestMerchant;
  let viaFirst: SdkClient;
  let viaSecond: SdkClient;

  before(async () => {
    const tls = await createCertificate();
    // Timers and IPNs only when the test says so: a long sweep interval and poll interval.
    const start = () =>
      startEmulator({
        port: 0,
        tls,
        databaseUrl: DATABASE_URL as string,
        databaseSchema: schema,
        sweepIntervalMs: HOUR,
        ipn: { pollIntervalMs: HOUR, retrySchedule: [1000] },
      });
    first = await start();
    second = await start();
    receiver = await startReceiver();
    merchant = await createMerchant(first, { region: "eu" });
    await first.db.query("update merchants set ipn_url = $1 where merchant_id = $2", [
      receiver.url,
      merchant.merchantId,
    ]);
    viaFirst = sdkClient(first, merchant);
    viaSecond = sdkClient(second, merchant);
  });
  after(async () => {
    await second?.close();
    await first?.db.query(`drop schema if exists "${schema}" cascade`);
    await first?.close();
    receiver?.server.close();
  });

  it("serves one state: either process answers for objects the other made", async () => {
    const id = await checkoutUntilResult(first, viaFirst, merchant, {
      paymentIntent: "Authorize",
      chargeAmount: { amount: "12.00", currencyCode: "EUR" },
    });
    const completed = await viaSecond.completeCheckoutSession(id, {
      chargeAmount: { amount: "12.00", currencyCode: "EUR" },
    });
    assert.equal(completed.status, 200);
    const charge = await viaFirst.getCharge(completed.data.chargeId);
    assert.equal(charge.data.statusDetails.state, "Authorized");
  });

  it("a clock advance on one process counts on the other at once", async () => {
    const before = (await second.app.inject({ method: "GET", url: "/__admin/clock" })).json();
    await admin(first, "/__admin/clock", { advanceSeconds: 3600 });
    const after = (await second.app.inject({ method: "GET", url: "/__admin/clock" })).json();
    assert.equal(after.offsetSeconds - before.offsetSeconds, 3600);
  });

  it("concurrent sweeps move each pending charge once; concurrent IPN workers send each notification once", async () => {
    const permissions: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await checkoutUntilResult(first, viaFirst, merchant, {
        paymentIntent: "Confirm",
        chargeAmount: { amount: "10.00", currencyCode: "EUR" },
      });
      const completed = await viaFirst.completeCheckoutSession(id, {
        chargeAmount: { amount: "10.00", currencyCode: "EUR" },
      });
      permissions.push(completed.data.chargePermissionId);
    }
    const charges: string[] = [];
    for (const [index, chargePermissionId] of permissions.entries()) {
      const pending = await (index % 2 === 0 ? viaFirst : viaSecond).createCharge(
        {
          chargePermissionId,
          chargeAmount: { amount: "10.00", currencyCode: "EUR" },
          canHandlePendingAuthorization: true,
        },
        headers({
          "x-amz-pay-simulation-code":
            index < 2 ? "AuthorizationInitiated" : "AuthorizationInitiatedThenDeclined",
        }),
      );
      assert.equal(pending.data.statusDetails.state, "AuthorizationInitiated");
      charges.push(pending.data.chargeId);
    }
    // The outcomes fall due; no one reads, both sweeps run at the same time (twice each).
    await first.clock.advance(first.db, 30_000);
    await Promise.all([first.sweep(), second.sweep(), first.sweep(), second.sweep()]);

    for (const [index, chargeId] of charges.entries()) {
      const rows = await first.db.query<{ notification_type: string }>(
        "select notification_type from ipn_outbox where object_id = $1",
        [chargeId],
      );
      assert.equal(rows.length, 2, `charge ${chargeId}: AuthorizationInitiated and its outcome, once each`);
      const state = (await viaSecond.getCharge(chargeId)).data.statusDetails.state;
      assert.equal(state, index < 2 ? "Authorized" : "Declined");
    }
    for (const chargePermissionId of permissions.slice(2)) {
      const rows = await first.db.query(
        "select 1 from ipn_outbox where object_type = 'CHARGE_PERMISSION' and object_id = $1",
        [chargePermissionId],
      );
      assert.equal(rows.length, 2, "opened, then NonChargeable once (HardDeclined)");
    }

    // Both workers drain the outbox at the same time.
    for (let round = 0; round < 5; round++) {
      await Promise.all([first.drainIpn(), second.drainIpn(), first.drainIpn(), second.drainIpn()]);
      const open = await first.db.query("select 1 from ipn_outbox where outcome is null");
      if (open.length === 0) break;
    }
    const outbox = await first.db.query<{ id: string; outcome: string }>(
      "select id::text as id, outcome from ipn_outbox where merchant_id = $1",
      [merchant.merchantId],
    );
    assert.ok(outbox.length > charges.length * 2);
    assert.ok(outbox.every((row) => row.outcome === "delivered"));
    assert.equal(receiver.received.length, outbox.length, "one POST per notification");
    assert.equal(new Set(receiver.received.map((item) => item.messageId)).size, outbox.length);
  });
});
