/**
 * One whole standard payment as a shop and its buyer make it (the Paygate scenario tests' path):
 * init (S2S) → the buyer's click and sign-in at the emulator → the gateway's return page → the
 * review hand-off to ShopUrl → the buyer confirms → the gateway's completion → URLSuccess →
 * capture (S2S). The shop's URLNotify and the emulator's IPNs run beside it.
 */
import { type Agent, request } from "undici";
import { buildRequest, type RequestValues, readAnswer, type ShopCredentials } from "../paygate/client.js";
import {
  captureRequest,
  captureResponse,
  completionResult,
  initRequest,
  initResponse,
  type ParameterTable,
  reviewRedirect,
} from "../paygate/tables.js";

export interface PaymentWorld {
  readonly gatewayUrl: string;
  readonly emulatorUrl: string;
  /** Trusts the child's certificate; keep-alive, like a shop's HTTP client. */
  readonly agent: Agent;
  readonly shop: ShopCredentials;
  readonly notifyUrl: string;
}

/** The shop's pages; never fetched (the bench follows redirects by reading them). */
const SHOP_URL = "https://shop.example";

export class PaymentFailed extends Error {
  override name = "PaymentFailed";
}

/**
 * Runs payment `transId` for `amount` cents; `s2sLatency` receives each S2S call's milliseconds.
 */
export async function runPayment(
  world: PaymentWorld,
  transId: string,
  amount: number,
  s2sLatency: (milliseconds: number) => void,
): Promise<void> {
  const init = await s2s(world, "amazonAPA.aspx", initRequest, initResponse, s2sLatency, {
    TransID: transId,
    CountryCode: "EU",
    Amount: amount,
    Currency: "EUR",
    TxType: "Authorize",
    URLSuccess: `${SHOP_URL}/success`,
    URLFailure: `${SHOP_URL}/failure`,
    URLNotify: world.notifyUrl,
    URLCancel: `${SHOP_URL}/cancel`,
    ShopUrl: `${SHOP_URL}/review`,
  });
  const payId = init.PayID;
  if (init.Status !== "OK" || !payId) throw new PaymentFailed(`init of ${transId}: ${JSON.stringify(init)}`);
  const click = await emulatorShortcut(world, "/__admin/button-checkout", {
    payloadJSON: init.buttonpayload,
    signature: init.buttonsignature,
    publicKeyId: init.buttonpublickeyid,
    buyer: { card: "1111" },
  });
  const review = readAnswer(world.shop, reviewRedirect, await redirectOf(world, click.redirectUrl));
  if (!review.ok || review.values.Status !== "PENDING")
    throw new PaymentFailed(`review hand-off of ${transId} unreadable or not PENDING`);
  const back = await emulatorShortcut(
    world,
    `/__admin/checkout-sessions/${encodeURIComponent(String(click.checkoutSessionId))}/authenticate`,
    {},
  );
  const completion = readAnswer(world.shop, completionResult, await redirectOf(world, back.redirectUrl));
  if (!completion.ok || completion.values.Status !== "OK")
    throw new PaymentFailed(`completion of ${transId} not OK`);
  const capture = await s2s(world, "capture.aspx", captureRequest, captureResponse, s2sLatency, {
    PayID: payId,
    TransID: transId,
    Amount: amount,
    Currency: "EUR",
  });
  if (capture.Status !== "OK") throw new PaymentFailed(`capture of ${transId}: ${JSON.stringify(capture)}`);
}

async function s2s<T extends ParameterTable, A extends ParameterTable>(
  world: PaymentWorld,
  page: string,
  table: T,
  answerTable: A,
  s2sLatency: (milliseconds: number) => void,
  values: RequestValues<T>,
): Promise<Record<string, string | undefined>> {
  const built = buildRequest(world.shop, table, values);
  const started = performance.now();
  const response = await request(`${world.gatewayUrl}/${page}`, {
    method: "POST",
    body: built.body,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    dispatcher: world.agent,
  });
  const body = await response.body.text();
  s2sLatency(performance.now() - started);
  if (response.statusCode !== 200)
    throw new PaymentFailed(`${page} answered ${response.statusCode}: ${body}`);
  const answer = readAnswer(world.shop, answerTable, body);
  if (!answer.ok) throw new PaymentFailed(`answer of ${page} unreadable: ${body}`);
  return answer.values as Record<string, string | undefined>;
}

/** The buyer's clicks at Amazon, through the emulator's admin shortcuts. */
async function emulatorShortcut(
  world: PaymentWorld,
  path: string,
  payload: object,
): Promise<Record<string, unknown>> {
  const response = await request(`${world.emulatorUrl}${path}`, {
    method: "POST",
    body: JSON.stringify(payload),
    headers: { "content-type": "application/json" },
    dispatcher: world.agent,
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new PaymentFailed(`${path} answered ${response.statusCode}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** The buyer's browser at a gateway return page: where its 302 sends them. */
async function redirectOf(world: PaymentWorld, url: unknown): Promise<string> {
  if (typeof url !== "string" || !url.startsWith(world.gatewayUrl))
    throw new PaymentFailed(`expected a return URL of the gateway, got ${String(url)}`);
  const response = await request(url, { method: "GET", dispatcher: world.agent });
  await response.body.dump();
  const location = response.headers.location;
  if (response.statusCode !== 302 || typeof location !== "string")
    throw new PaymentFailed(`${url} answered ${response.statusCode}`);
  return location;
}
