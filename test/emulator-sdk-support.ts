/**
 * Shared set-up for the SDK scenario tests (`emulator-*.test.ts`): a real emulator over HTTPS
 * on an ephemeral port, merchants made through the admin API, and the OFFICIAL
 * `@amazonpay/amazon-pay-api-sdk-nodejs`, unchanged, pointed at it with `overrideServiceUrl`.
 * The SDK sets NODE_TLS_REJECT_UNAUTHORIZED=0 itself, which is why these tests live in files of
 * their own (node --test runs each file in its own process).
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { EMULATOR_MIGRATIONS_DIR, type RunningEmulator, startEmulator } from "../src/emulator/index.js";
import { createCertificate } from "../src/http/tls.js";
import { openTestDatabase } from "../src/store/test-database.js";

const require = createRequire(import.meta.url);

export interface SdkResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: Amazon's JSON as the SDK hands it over; tests assert on it.
  data: any;
  headers: Record<string, string>;
}

type SdkCall = (...args: unknown[]) => Promise<SdkResponse>;

/** The WebStoreClient methods the scenarios use. */
export interface SdkClient {
  createCheckoutSession: SdkCall;
  getCheckoutSession: SdkCall;
  updateCheckoutSession: SdkCall;
  completeCheckoutSession: SdkCall;
  finalizeCheckoutSession: SdkCall;
  getChargePermission: SdkCall;
  updateChargePermission: SdkCall;
  closeChargePermission: SdkCall;
  createCharge: SdkCall;
  getCharge: SdkCall;
  captureCharge: SdkCall;
  cancelCharge: SdkCall;
  createRefund: SdkCall;
  getRefund: SdkCall;
  getBuyer: SdkCall;
}

const { WebStoreClient } = require("@amazonpay/amazon-pay-api-sdk-nodejs") as {
  WebStoreClient: new (config: object) => SdkClient;
};

export interface TestMerchant {
  merchantId: string;
  storeId: string;
  publicKeyId: string;
  privateKeyPem: string;
  region: "eu" | "na" | "jp";
}

/** In-memory PGlite, a PGlite data directory, or (with `DATABASE_URL`) a fresh PostgreSQL schema. */
export async function startTestEmulator(options: { dataDir?: string } = {}): Promise<RunningEmulator> {
  const db = options.dataDir === undefined ? await openTestDatabase(EMULATOR_MIGRATIONS_DIR) : undefined;
  return startEmulator({
    port: 0,
    tls: await createCertificate(),
    ipn: false,
    ...options,
    ...(db ? { db } : {}),
  });
}

/** An admin call through fastify's inject (the admin API is not what these tests are about). */
export async function admin(
  emulator: RunningEmulator,
  url: string,
  payload: object = {},
): Promise<Record<string, unknown>> {
  const response = await emulator.app.inject({ method: "POST", url, payload });
  assert.ok(response.statusCode < 300, `${url} answered ${response.statusCode}: ${response.body}`);
  return response.json();
}

export async function createMerchant(
  emulator: RunningEmulator,
  body: { region?: "eu" | "na" | "jp"; environment?: "sandbox" | "live"; ledgerCurrency?: string } = {},
): Promise<TestMerchant> {
  const region = body.region ?? "eu";
  const created = await admin(emulator, "/__admin/merchants", { ...body, region });
  return { ...(created as unknown as TestMerchant), region };
}

/** The official SDK client for a merchant, as an integrator would configure it. */
export function sdkClient(
  emulator: RunningEmulator,
  merchant: TestMerchant,
  options: {
    algorithm?: "AMZN-PAY-RSASSA-PSS" | "AMZN-PAY-RSASSA-PSS-V2";
    sandbox?: boolean;
    publicKeyId?: string;
  } = {},
): SdkClient {
  return new WebStoreClient({
    publicKeyId: options.publicKeyId ?? merchant.publicKeyId,
    privateKey: merchant.privateKeyPem,
    region: merchant.region,
    sandbox: options.sandbox ?? true,
    ...(options.algorithm === undefined ? {} : { algorithm: options.algorithm }),
    overrideServiceUrl: `127.0.0.1:${emulator.port}`,
  });
}

/** The SDK rejects with axios' error for non-2xx; this returns Amazon's status and body. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ status: number; reasonCode: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const response = (
      error as { response?: { status: number; data: { reasonCode: string; message: string } } }
    ).response;
    assert.ok(response, `expected an HTTP error, got ${String(error)}`);
    return { status: response.status, reasonCode: response.data.reasonCode, message: response.data.message };
  }
  assert.fail("expected the call to fail");
}

let keyCounter = 0;
/** A fresh idempotency key in Amazon's format. */
export function idempotencyKey(): string {
  keyCounter += 1;
  return `k${Date.now().toString(36)}${keyCounter}`;
}

export function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { "x-amz-pay-idempotency-key": idempotencyKey(), ...extra };
}

export const REVIEW_URL = "https://shop.example/review";
export const RESULT_URL = "https://shop.example/result";

/**
 * A checkout with review page up to the buyer's return to the result URL (§11.1 steps 1–4):
 * create (SDK), buyer signs in with `card` (admin shortcut), PATCH amount and intent (SDK),
 * buyer confirms on the amazonPayRedirectUrl page (admin shortcut). Returns the session id.
 */
export async function checkoutUntilResult(
  emulator: RunningEmulator,
  client: SdkClient,
  merchant: TestMerchant,
  paymentDetails: Record<string, unknown>,
  card = "1111",
  extra: Record<string, unknown> = {},
): Promise<string> {
  const created = await client.createCheckoutSession(
    { webCheckoutDetails: { checkoutReviewReturnUrl: REVIEW_URL }, storeId: merchant.storeId, ...extra },
    headers(),
  );
  assert.equal(created.status, 201);
  const id = created.data.checkoutSessionId as string;
  await admin(emulator, `/__admin/checkout-sessions/${id}/approve`, { buyer: { card } });
  const updated = await client.updateCheckoutSession(id, {
    webCheckoutDetails: { checkoutResultReturnUrl: RESULT_URL },
    paymentDetails,
  });
  assert.equal(updated.status, 200);
  assert.ok(
    (updated.data.webCheckoutDetails as { amazonPayRedirectUrl: string | null }).amazonPayRedirectUrl,
  );
  const result = await admin(emulator, `/__admin/checkout-sessions/${id}/authenticate`);
  assert.equal(result.redirectUrl, `${RESULT_URL}?amazonCheckoutSessionId=${id}`);
  return id;
}

export async function advanceClock(emulator: RunningEmulator, seconds: number): Promise<void> {
  await admin(emulator, "/__admin/clock", { advanceSeconds: seconds });
}
