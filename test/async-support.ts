/**
 * Shared set-up of the asynchronous-side scenarios (`async-*.test.ts`): the real gateway and the
 * real emulator over HTTPS with the emulator's IPN delivery switched on (IPNs reach the gateway's
 * `amazonAPAV2Notify.aspx`), a URLNotify receiver on loopback, and the shop's steps (init, the
 * buyer's clicks, capture, credit, inquire) through the Paygate client.
 */
import assert from "node:assert/strict";
import { request } from "undici";
import type { SnsNotification } from "../src/amazon/sns-message.js";
import { loadOrCreateSigningIdentity } from "../src/emulator/ipn/signing-certificate.js";
import { type IpnMessage, signIpnEnvelope, topicArnFor } from "../src/emulator/ipn/sns-envelope.js";
import type { GatewayOptions } from "../src/gateway/index.js";
import { readAnswer, type ShopCredentials } from "../src/paygate/client.js";
import {
  captureRequest,
  captureResponse,
  creditRequest,
  creditResponse,
  initRequest,
  initResponse,
  inquireRequest,
  inquireResponse,
} from "../src/paygate/tables.js";
import { ADMIN_TOKEN, browse, buyer, call, SHOP, startWorld, type World } from "./paygate-support.js";

export interface AsyncWorldOptions {
  /** Gateway options the scenario needs (reconcile schedule, notify timeout, …). */
  readonly gateway?: Partial<GatewayOptions>;
}

/** The Paygate world with the emulator's IPNs on (fast retries) and quick URLNotify polling. */
export function startAsyncWorld(options: AsyncWorldOptions = {}): Promise<World> {
  return startWorld({
    ipn: { pollIntervalMs: 50, retrySchedule: [200, 200, 200] },
    gateway: { pollIntervalMs: 50, ...options.gateway },
  });
}

/** An admin API call on the gateway. */
export async function admin(
  world: World,
  method: "GET" | "POST" | "PATCH",
  path: string,
  body?: object,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(`${world.gateway.url}/api/admin${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    dispatcher: world.agent,
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

/** A merchant made through the admin API, with `settings` (e.g. canHandlePendingAuthorization). */
export async function createAsyncShop(
  world: World,
  merchantId: string,
  settings: Record<string, unknown> = {},
): Promise<ShopCredentials & { amazonMerchantId: string }> {
  const created = await admin(world, "POST", "/merchants", {
    merchantId,
    name: `Shop ${merchantId}`,
    amazon: { environment: "emulator", region: "eu" },
    settings,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const body = created.body as { hmacKey: string; blowfishKey: string; amazon: { merchantId: string } };
  return {
    merchantId,
    hmacKey: body.hmacKey,
    blowfishKey: body.blowfishKey,
    amazonMerchantId: body.amazon.merchantId,
  };
}

export type InitAnswer = Awaited<ReturnType<typeof startPayment>>;

/** `amazonAPA.aspx` init of a standard checkout. */
export async function startPayment(
  world: World,
  shop: ShopCredentials,
  transId: string,
  extra: Record<string, string | number> = {},
) {
  const answer = await call(
    world,
    shop,
    "amazonAPA.aspx",
    initRequest,
    {
      TransID: transId,
      CountryCode: "EU",
      Amount: 3000,
      Currency: "EUR",
      URLSuccess: `${SHOP}/success`,
      URLFailure: `${SHOP}/failure`,
      URLNotify: `${world.notify.url}/notify/${transId}`,
      URLCancel: `${SHOP}/cancel`,
      ShopUrl: `${SHOP}/review`,
      ...extra,
    },
    initResponse,
  );
  assert.equal(answer.code, "00000000", answer.values.Description);
  return answer;
}

/** Button, sign-in (with the buyer's card), review, confirmation: where the buyer ends up. */
export async function pay(world: World, answer: InitAnswer, card?: string): Promise<string> {
  const click = await buyer(world, "/__admin/button-checkout", {
    payloadJSON: answer.values.buttonpayload,
    signature: answer.values.buttonsignature,
    publicKeyId: answer.values.buttonpublickeyid,
    ...(card === undefined ? {} : { buyer: { card } }),
  });
  await browse(world, click.redirectUrl as string);
  const back = await buyer(world, `/__admin/checkout-sessions/${click.checkoutSessionId}/authenticate`);
  return browse(world, back.redirectUrl as string);
}

export function capture(
  world: World,
  shop: ShopCredentials,
  payId: string,
  extra: Record<string, string | number> = {},
) {
  return call(
    world,
    shop,
    "capture.aspx",
    captureRequest,
    { PayID: payId, TransID: "T-CAP", Amount: 3000, Currency: "EUR", ...extra },
    captureResponse,
  );
}

export function credit(world: World, shop: ShopCredentials, payId: string, amount: number) {
  return call(
    world,
    shop,
    "credit.aspx",
    creditRequest,
    { PayID: payId, TransID: "T-CRED", Amount: amount, Currency: "EUR" },
    creditResponse,
  );
}

export function inquire(world: World, shop: ShopCredentials, payId: string) {
  return call(world, shop, "inquire.aspx", inquireRequest, { PayID: payId }, inquireResponse);
}

/** Moves the emulator's clock (timers, pending outcomes, their IPNs). */
export async function advanceAmazon(world: World, seconds: number): Promise<void> {
  await buyer(world, "/__admin/clock", { advanceSeconds: seconds });
}

/** The notifies that reached the shop's URLNotify for one TransID (its path). */
export function notifiesOf(world: World, transId: string) {
  return world.notify.received.filter((notification) => notification.path === `/notify/${transId}`);
}

/** Waits until `count` notifies for `transId` arrived (waiting on arrivals, not on time). */
export async function waitForNotifies(world: World, transId: string, count: number) {
  let total = world.notify.received.length;
  while (notifiesOf(world, transId).length < count) {
    total += 1;
    await world.notify.waitFor(total);
  }
  return notifiesOf(world, transId);
}

export function readNotify<T extends Parameters<typeof readAnswer>[1]>(
  shop: ShopCredentials,
  table: T,
  body: string,
) {
  const answer = readAnswer(shop, table, body);
  assert.ok(answer.ok, `notify unreadable: ${body}`);
  assert.ok(answer.macVerified, "notify MAC verified");
  return answer;
}

/** A genuine IPN, signed with the emulator's own SNS key, as the emulator would send it. */
export async function signedIpn(
  world: World,
  ipn: Omit<IpnMessage, "NotificationId" | "NotificationVersion">,
  overrides: Partial<SnsNotification> = {},
): Promise<SnsNotification> {
  const identity = await loadOrCreateSigningIdentity(world.emulator.db, Date.now());
  return {
    ...signIpnEnvelope({
      ipn: { ...ipn, NotificationId: `test-${Date.now()}`, NotificationVersion: "V2" },
      messageId: `00000000-0000-4000-8000-${String(Date.now()).padStart(12, "0")}`,
      topicArn: topicArnFor(ipn.MerchantID, "eu"),
      timestamp: Date.now(),
      signatureVersion: "2",
      signingCertUrl: `${world.emulator.url}/__sns/cert.pem`,
      unsubscribeUrl: `${world.emulator.url}/__sns/unsubscribe`,
      privateKey: identity.privateKey,
    }),
    ...overrides,
  };
}

/** POSTs an SNS body to the gateway's IPN intake as Amazon does (`text/plain`). */
export async function postIpn(
  world: World,
  mid: string,
  body: string,
  path = "/amazonAPAV2Notify.aspx",
): Promise<{ status: number; body: string }> {
  const response = await request(`${world.gateway.url}${path}?mid=${encodeURIComponent(mid)}&region=EU`, {
    method: "POST",
    headers: { "content-type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": "Notification" },
    body,
    dispatcher: world.agent,
  });
  return { status: response.statusCode, body: await response.body.text() };
}
