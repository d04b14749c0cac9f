import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AmazonPayApiError, AmazonPayConnectionError } from "../amazon/errors.js";
import type { ChargePermission } from "../amazon/wire.js";
import { recordChargeback, recordPermissionClosed } from "./notices.js";
import { recurringCharge } from "./recurring-charge.js";
import { CONTEXT, charge, fakes, MERCHANT, paymentUntil, permission, stored } from "./test-support.js";

const RECURRING = { ...CONTEXT, recurring: true };

describe("Amazon's notices", () => {
  it("a chargeback is recorded once on the payment holding the permission, with its notification", async () => {
    const { deps, store } = fakes();
    stored(store, paymentUntil("authorized"));
    const first = await recordChargeback(deps, MERCHANT, {
      chargebackId: "P1-B000001",
      chargePermissionId: "P1",
    });
    assert.deepEqual(first, { payId: "a".repeat(32), recorded: true });
    const again = await recordChargeback(deps, MERCHANT, {
      chargebackId: "P1-B000001",
      chargePermissionId: "P1",
    });
    assert.deepEqual(again, { payId: "a".repeat(32), recorded: false });
    assert.deepEqual(
      store.notified().map((n) => [n.kind, n.action.amazonId, n.payment.status]),
      [["chargeback", "P1-B000001", "Authorized"]],
    );
    const unknown = await recordChargeback(deps, MERCHANT, {
      chargebackId: "P9-B000001",
      chargePermissionId: "P9",
    });
    assert.deepEqual(unknown, { payId: undefined, recorded: false });
  });

  it("a recurring permission Amazon shows Closed: permissionClosed with Amazon's reason, once", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("authorized"), RECURRING);
    amazon.answer("getChargePermission", () => permission("Closed"));
    assert.equal((await recordPermissionClosed(deps, MERCHANT, "P1")).recorded, true);
    assert.equal((await recordPermissionClosed(deps, MERCHANT, "P1")).recorded, false);
    assert.deepEqual(
      store.notified().map((n) => [n.kind, n.action.reasonCode]),
      [["permissionClosed", "BuyerCanceled"]],
    );
  });

  it("no notice for a Chargeable permission, a OneTime one (not even asked), or one Amazon does not know", async () => {
    const chargeable = fakes();
    stored(chargeable.store, paymentUntil("authorized"), RECURRING);
    chargeable.amazon.answer("getChargePermission", () => permission("Chargeable"));
    assert.equal((await recordPermissionClosed(chargeable.deps, MERCHANT, "P1")).recorded, false);

    const oneTime = fakes();
    stored(oneTime.store, paymentUntil("authorized"));
    assert.equal((await recordPermissionClosed(oneTime.deps, MERCHANT, "P1")).recorded, false);
    assert.deepEqual(oneTime.amazon.calls, []);

    const gone = fakes();
    stored(gone.store, paymentUntil("authorized"), RECURRING);
    gone.amazon.answer("getChargePermission", () => {
      throw new AmazonPayApiError({
        reasonCode: "ResourceNotFound",
        message: "not found",
        outcome: "fail",
        httpStatus: 404,
      });
    });
    assert.equal((await recordPermissionClosed(gone.deps, MERCHANT, "P1")).recorded, false);
    assert.deepEqual(gone.store.notified(), []);
  });

  it("Amazon unreachable: the close is not lost, the IPN's redelivery records it", async () => {
    const { deps, store, amazon } = fakes();
    stored(store, paymentUntil("authorized"), RECURRING);
    amazon.answer("getChargePermission", () => {
      throw new AmazonPayConnectionError({
        reasonCode: "NetworkError",
        message: "refused",
        outcome: "retry",
      });
    });
    await assert.rejects(recordPermissionClosed(deps, MERCHANT, "P1"), AmazonPayConnectionError);
    assert.deepEqual(store.notified(), []);
  });

  it("an RTF=R charge that reads an expiry within 30 days notes it on the RTF=I payment, once per date", async () => {
    const { deps, store, amazon, clock } = fakes();
    stored(store, paymentUntil("authorized"), RECURRING);
    const soon = new Date(clock.now() + 10 * 86_400_000).toISOString();
    const compact = `${soon.slice(0, 19).replace(/[-:]/g, "")}Z`;
    amazon.answer(
      "getChargePermission",
      (): ChargePermission => ({ ...permission("Chargeable"), expirationTimestamp: compact }),
    );
    amazon.answer("createCharge", () => charge("Captured"));
    const command = {
      chargePermissionId: "P1",
      refnr: undefined,
      reqId: undefined,
      countryCode: "EU",
      amount: 9_99,
      currency: "EUR",
      intent: "AuthorizeWithCapture" as const,
      softDescriptor: undefined,
      simulationCode: undefined,
      door: () => ({}),
    };
    assert.ok((await recurringCharge(deps, MERCHANT, { ...command, transId: "R-1" })).ok);
    assert.ok((await recurringCharge(deps, MERCHANT, { ...command, transId: "R-2" })).ok);
    const expiring = store.notified().filter((n) => n.kind === "permissionExpiring");
    assert.deepEqual(
      expiring.map((n) => [n.payment.payId, n.action.amazonId, n.action.expiresAt]),
      [["a".repeat(32), "P1", `${soon.slice(0, 19)}.000Z`]],
    );
  });
});
