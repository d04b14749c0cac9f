/**
 * Shared steps of the recurring scenarios (`recurring-*.test.ts`) on top of the Paygate world:
 * an RTF=I checkout through review and completion, RTF=R charges, and notifies picked by PayID.
 */
import assert from "node:assert/strict";
import { type PaygateAnswer, readAnswer, type ShopCredentials } from "../src/paygate/client.js";
import {
  completionResult,
  initRequest,
  initResponse,
  type ParameterTable,
  recurringChargeRequest,
  recurringChargeResponse,
  recurringInitialRequest,
  reviewRedirect,
} from "../src/paygate/tables.js";
import { browse, buyer, call, SHOP, type World } from "./paygate-support.js";

/** What a shop sends for RTF=I: the init table plus the seed's recurring rows (one Currency). */
export const recurringInitTable: ParameterTable = {
  ...initRequest,
  id: "recurring-init-request",
  rows: [...initRequest.rows, ...recurringInitialRequest.rows.filter((row) => row.key !== "Currency")],
};

export function recurringInitValues(
  world: World,
  transId: string,
  extra: Record<string, string | number | undefined> = {},
): Record<string, string | number | undefined> {
  return {
    TransID: transId,
    CountryCode: "EU",
    Amount: 990,
    Currency: "EUR",
    URLSuccess: `${SHOP}/success`,
    URLFailure: `${SHOP}/failure`,
    URLNotify: `${world.notify.url}/notify`,
    URLCancel: `${SHOP}/cancel`,
    ShopUrl: `${SHOP}/review`,
    RTF: "I",
    cycle: "Month",
    Value: 1,
    InstallmentAmount: 990,
    ...extra,
  };
}

/**
 * RTF=I through button, review and completion: the initial payment and its charge permission
 * (`oneTime`: the same checkout without RTF, a OneTime permission). The series has no fixed
 * amount (`InstallmentAmount=0`, so later RTF=R may charge any amount) unless `installmentAmount`
 * fixes one.
 */
export async function subscribe(
  world: World,
  shop: ShopCredentials,
  transId: string,
  options: { readonly oneTime?: boolean; readonly installmentAmount?: number } = {},
): Promise<{ payId: string; chargePermissionId: string; payload: Record<string, unknown> }> {
  const values = recurringInitValues(
    world,
    transId,
    options.oneTime
      ? { RTF: undefined, cycle: undefined, Value: undefined, InstallmentAmount: undefined }
      : { InstallmentAmount: options.installmentAmount ?? 0 },
  );
  const table = options.oneTime ? initRequest : recurringInitTable;
  const init = await call(world, shop, "amazonAPA.aspx", table as ParameterTable, values, initResponse);
  assert.equal(init.code, "00000000", init.values.Description);
  const click = await buyer(world, "/__admin/button-checkout", {
    payloadJSON: init.values.buttonpayload,
    signature: init.values.buttonsignature,
    publicKeyId: init.values.buttonpublickeyid,
  });
  const toShop = await browse(world, click.redirectUrl as string);
  const review = readAnswer(shop, reviewRedirect, toShop);
  assert.ok(review.ok && review.macVerified, toShop);
  const back = await buyer(world, `/__admin/checkout-sessions/${click.checkoutSessionId}/authenticate`);
  const success = await browse(world, back.redirectUrl as string);
  assert.ok(success.startsWith(`${SHOP}/success?`), success);
  const completion = readAnswer(shop, completionResult, success);
  assert.ok(completion.ok && completion.macVerified);
  assert.equal(completion.values.Status, "OK");
  assert.equal(completion.values.RTF, options.oneTime ? "OneTime" : "Recurring");
  const chargePermissionId = completion.values.chargepermissionid as string;
  assert.ok(chargePermissionId);
  return {
    payId: init.values.PayID as string,
    chargePermissionId,
    payload: JSON.parse(init.values.buttonpayload as string),
  };
}

export type RecurringAnswer = PaygateAnswer<typeof recurringChargeResponse> & { ok: true };

/** One RTF=R request as a shop sends it. */
export function chargeAgain(
  world: World,
  shop: ShopCredentials,
  chargePermissionId: string,
  transId: string,
  options: { amount?: number; extra?: Record<string, string | number>; reqId?: string } = {},
): Promise<RecurringAnswer> {
  return call(
    world,
    shop,
    "amazonAPA.aspx",
    recurringChargeRequest,
    {
      RTF: "R",
      Amount: options.amount ?? 990,
      Currency: "EUR",
      CountryCode: "EU",
      ChargepermissionId: chargePermissionId,
      TransID: transId,
      ...options.extra,
    },
    recurringChargeResponse,
    options.reqId === undefined ? {} : { extra: [["ReqId", options.reqId]] },
  );
}

/**
 * The first notify (in arrival order) whose decrypted values include `match` and whose
 * NotificationType is the one `table` fixes, read against `table`.
 */
export async function notifyOf<T extends ParameterTable>(
  world: World,
  shop: ShopCredentials,
  table: T,
  match: Readonly<Record<string, string>>,
): Promise<PaygateAnswer<T> & { ok: true }> {
  const types = table.rows.find((row) => row.key === "NotificationType")?.values;
  for (let index = 0; ; index++) {
    const all = await world.notify.waitFor(index + 1);
    const answer = readAnswer(shop, table, (all[index] as { body: string }).body);
    const values = answer.ok ? (answer.values as Record<string, string | undefined>) : {};
    const matches = Object.entries(match).every(([key, value]) => values[key] === value);
    if (matches && (types === undefined || types.includes(values.NotificationType ?? ""))) {
      return answer as PaygateAnswer<T> & { ok: true };
    }
  }
}
