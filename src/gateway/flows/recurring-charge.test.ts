import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChargePermission } from "../../amazon/wire.js";
import { paygateCode } from "../../paygate/codes.js";
import { expiryWarning, recurringResult } from "./recurring-charge.js";
import type { ActionResult } from "./types.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2031, 5, 1);

function permission(expirationTimestamp: string | null): ChargePermission {
  return { chargePermissionId: "S02-1234567-1234567", expirationTimestamp } as ChargePermission;
}

describe("recurring charge", () => {
  it("warns when the permission expires within 30 days, from Amazon's compact timestamp", () => {
    assert.deepEqual(expiryWarning(permission("20310620T120000Z"), NOW), {
      chargePermissionId: "S02-1234567-1234567",
      expiresAt: "2031-06-20T12:00:00.000Z",
    });
    assert.equal(expiryWarning(permission("20310720T120000Z"), NOW), undefined, "more than 30 days");
    assert.equal(expiryWarning(permission("20310520T120000Z"), NOW), undefined, "expired already");
    assert.equal(expiryWarning(permission(null), NOW + DAY), undefined);
  });

  it("names Amazon's reason first in ErrorText and gives non-chargeable permissions their own code", () => {
    const failed = (reasonCode: string, errorText: string | undefined): ActionResult =>
      ({
        status: "FAILED",
        code: paygateCode("AMAZON_REQUEST_REFUSED"),
        action: { reasonCode },
        errorText,
      }) as unknown as ActionResult;
    const closed = recurringResult(failed("InvalidChargePermissionStatus", "the permission is Closed"));
    assert.equal(closed.code.code, "2A200207");
    assert.equal(closed.errorText, "InvalidChargePermissionStatus: the permission is Closed");
    const limit = recurringResult(failed("PeriodicAmountExceeded", "PeriodicAmountExceeded"));
    assert.equal(limit.code.code, "2A200105");
    assert.equal(limit.errorText, "PeriodicAmountExceeded");
  });
});
