/**
 * A shop of the load suites (crash, three processes): one whole payment — init, the buyer at
 * Amazon, review hand-off, result page, capture, refunds — driven through a {@link ShopDriver}
 * that owns the retry policy of its scenario (repeat a step with its ReqId after a kill or an
 * outage, reload a page). What the shop was told is written into the {@link ShopPayment} for
 * the audit (test/support/payment-audit.ts).
 */
import assert from "node:assert/strict";
import {
  type PaygateAnswer,
  type RequestValues,
  readAnswer,
  type ShopCredentials,
} from "../../src/paygate/client.js";
import {
  captureRequest,
  captureResponse,
  completionResult,
  creditRequest,
  creditResponse,
  initRequest,
  initResponse,
  type ParameterTable,
  reviewRedirect,
} from "../../src/paygate/tables.js";
import type { ShopPayment } from "./payment-audit.js";

export const SHOP = "https://shop.example";

export interface ShopDriver {
  readonly shop: ShopCredentials;
  /** Where the shop's URLNotify is. */
  readonly notifyUrl: string;
  /** A server-to-server step, repeated with `reqId` until the gateway answers. */
  call<T extends ParameterTable, A extends ParameterTable>(
    what: string,
    table: T,
    values: RequestValues<T>,
    answerTable: A,
    reqId?: string,
  ): Promise<PaygateAnswer<A> & { ok: true }>;
  /** The buyer's browser on a gateway page, reloaded until it redirects; where it went. */
  browse(what: string, url: string): Promise<string>;
  /** The buyer's clicks at "Amazon" (emulator admin shortcuts). */
  atAmazon(path: string, payload?: object): Promise<Record<string, string>>;
}

/** One payment up to its capture, and its refunds unless `refunds` is false. */
export async function runShopPayment(
  driver: ShopDriver,
  payment: ShopPayment,
  refunds = true,
): Promise<void> {
  const { shop } = driver;
  const tag = `payment ${payment.index}`;
  const init = await driver.call(
    `${tag} init`,
    initRequest,
    {
      TransID: payment.transId,
      CountryCode: "EU",
      Amount: payment.amount,
      Currency: "EUR",
      TxType: payment.txType,
      URLSuccess: `${SHOP}/success`,
      URLFailure: `${SHOP}/failure`,
      URLNotify: driver.notifyUrl,
      URLCancel: `${SHOP}/cancel`,
      ShopUrl: `${SHOP}/review`,
    },
    initResponse,
    `I-${payment.index}`,
  );
  assert.equal(init.code, "00000000", `${tag} init: ${init.code}`);
  payment.payId = init.values.PayID as string;

  const click = await driver.atAmazon("/__admin/button-checkout", {
    payloadJSON: init.values.buttonpayload,
    signature: init.values.buttonsignature,
    publicKeyId: init.values.buttonpublickeyid,
  });
  const review = readAnswer(
    shop,
    reviewRedirect,
    await driver.browse(`${tag} review`, click.redirectUrl as string),
  );
  assert.ok(review.ok && review.macVerified, `${tag}: review hand-off unreadable`);
  assert.equal(review.values.PayID, payment.payId);

  const confirmed = await driver.atAmazon(
    `/__admin/checkout-sessions/${click.checkoutSessionId}/authenticate`,
  );
  const back = await driver.browse(`${tag} result`, confirmed.redirectUrl as string);
  assert.ok(back.startsWith(`${SHOP}/success?`), `${tag}: the buyer went to ${back}`);
  const completion = readAnswer(shop, completionResult, back);
  assert.ok(completion.ok && completion.macVerified, `${tag}: completion unreadable`);
  assert.equal(completion.values.Status, "OK");
  payment.completionXid = completion.values.XID as string;
  payment.chargeId = completion.values.chargeid as string;

  if (payment.txType === "Authorize") {
    const capture = await driver.call(
      `${tag} capture`,
      captureRequest,
      { PayID: payment.payId, TransID: payment.transId, Amount: payment.amount, Currency: "EUR" },
      captureResponse,
      `C-${payment.index}`,
    );
    // OK, or PENDING when the first attempt's outcome was lost (a kill, an outage): it is settled
    // later and told by CaptureNotification.
    assert.ok(["OK", "PENDING"].includes(capture.values.Status as string), `${tag} capture: ${capture.code}`);
    payment.captureXid = capture.values.XID as string;
  }
  if (!refunds) return;
  for (const [n, amount] of payment.refunds.entries()) await creditShopPayment(driver, payment, n, amount);
}

/** The payment's refund number `n` (its ReqId says which). */
export async function creditShopPayment(
  driver: ShopDriver,
  payment: ShopPayment,
  n: number,
  amount: number,
): Promise<void> {
  const what = `payment ${payment.index} credit ${n + 1}`;
  const answer = await driver.call(
    what,
    creditRequest,
    { PayID: payment.payId as string, TransID: payment.transId, Amount: amount, Currency: "EUR" },
    creditResponse,
    `R${n + 1}-${payment.index}`,
  );
  assert.ok(["OK", "PENDING"].includes(answer.values.Status as string), `${what}: ${answer.code}`);
  payment.refundXids.push(answer.values.XID as string);
}
