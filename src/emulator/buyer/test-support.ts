/**
 * An in-memory stand-in for the emulator engine, for the buyer routes' unit tests and for
 * looking at the pages during development; scenario tests use the real engine.
 */
import { generateKeyPairSync } from "node:crypto";
import { Agent, fetch as undiciFetch } from "undici";
import { AmazonPayClient } from "../../amazon/client.js";
import { RequestSigner } from "../../amazon/signer.js";
import type { Address, CheckoutSession } from "../../amazon/wire.js";
import { createCertificate } from "../../http/tls.js";
import { AmazonError } from "../errors.js";
import { startEmulator } from "../index.js";
import type { ButtonKey, BuyerEngine, EngineSessionView, SignInView } from "./engine-port.js";
import type { BuyerChoice, WalletAddress } from "./wallet.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PUBLIC_PEM = publicKey.export({ type: "spki", format: "pem" }).toString();
export const KEY_ID = "SANDBOX-AEMULATORKEY0001";
export const MERCHANT = "A2EMULATORM01";

export function signerFor(algorithm: "AMZN-PAY-RSASSA-PSS" | "AMZN-PAY-RSASSA-PSS-V2") {
  return new RequestSigner({ publicKeyId: KEY_ID, privateKey, algorithm, region: "eu", host: "localhost" });
}

function nullAddress(address: WalletAddress): Address {
  return { ...address };
}

/** An in-memory engine: just enough session behaviour to drive the routes. */
export class FakeEngine implements BuyerEngine {
  sessions = new Map<string, CheckoutSession>();
  signIns = new Map<string, SignInView>();
  /** Buyer tokens issued by completed sign-ins, with the buyer who signed in. */
  buyerTokens = new Map<string, string>();
  instruments = new Map<string, BuyerChoice["instrument"]>();
  authenticated: string[] = [];
  #next = 1;

  async findButtonKey(publicKeyId: string): Promise<ButtonKey | undefined> {
    return publicKeyId === KEY_ID
      ? { merchantId: MERCHANT, environment: "sandbox", publicKeyPem: PUBLIC_PEM, region: "eu" }
      : undefined;
  }

  async createSessionFromButton(
    _merchantId: string,
    _environment: string,
    payload: unknown,
  ): Promise<string> {
    const body = payload as {
      webCheckoutDetails: Record<string, string | undefined>;
      storeId: string;
      merchantMetadata?: { merchantStoreName?: string };
      paymentDetails?: { chargeAmount?: { amount: string; currencyCode: string } };
      productType?: "PayAndShip" | "PayOnly";
    };
    const id = `00000000-0000-4000-8000-${String(this.#next++).padStart(12, "0")}`;
    this.sessions.set(id, {
      checkoutSessionId: id,
      webCheckoutDetails: {
        checkoutReviewReturnUrl: body.webCheckoutDetails.checkoutReviewReturnUrl ?? null,
        checkoutResultReturnUrl: body.webCheckoutDetails.checkoutResultReturnUrl ?? null,
        checkoutCancelUrl: body.webCheckoutDetails.checkoutCancelUrl ?? null,
        amazonPayRedirectUrl: null,
        checkoutMode: (body.webCheckoutDetails.checkoutMode as "ProcessOrder" | undefined) ?? null,
      },
      productType: body.productType ?? "PayAndShip",
      paymentDetails: {
        paymentIntent: "Authorize",
        canHandlePendingAuthorization: false,
        chargeAmount: body.paymentDetails?.chargeAmount ?? null,
        totalOrderAmount: null,
        presentmentCurrency: null,
        softDescriptor: null,
        allowOvercharge: null,
        extendExpiration: null,
      },
      chargePermissionType: "OneTime",
      orderType: null,
      recurringMetadata: null,
      paymentMethodOnFileMetadata: null,
      merchantDetails: null,
      merchantMetadata: {
        merchantReferenceId: null,
        merchantStoreName: body.merchantMetadata?.merchantStoreName ?? null,
        noteToBuyer: null,
        customInformation: null,
      },
      supplementaryData: null,
      buyer: null,
      billingAddress: null,
      paymentPreferences: null,
      statusDetails: {
        state: "Open",
        reasonCode: null,
        reasonDescription: null,
        lastUpdatedTimestamp: "20260101T000000Z",
      },
      shippingAddress: null,
      platformId: null,
      chargePermissionId: null,
      chargeId: null,
      constraints: [],
      creationTimestamp: "20260101T000000Z",
      expirationTimestamp: "20260102T000000Z",
      storeId: body.storeId,
      providerMetadata: { providerReferenceId: null },
      releaseEnvironment: "Sandbox",
      checkoutButtonText: null,
      deliverySpecifications: null,
      tokens: null,
    });
    return id;
  }

  async loadSession(id: string): Promise<EngineSessionView | undefined> {
    const session = this.sessions.get(id);
    return session && { merchantId: MERCHANT, region: "eu", merchantName: "Testladen", session };
  }

  #update(id: string, change: Partial<CheckoutSession>) {
    const session = this.sessions.get(id);
    if (!session) throw new AmazonError("ResourceNotFound", "no such session");
    this.sessions.set(id, { ...session, ...change });
  }

  async signIn(id: string, choice: BuyerChoice) {
    const { buyer } = choice;
    this.#update(id, {
      buyer: {
        buyerId: buyer.buyerId,
        name: buyer.name,
        email: buyer.email,
        phoneNumber: buyer.phoneNumber,
        primeMembershipTypes: null,
      },
      shippingAddress: nullAddress(choice.address.address),
      paymentPreferences: [{ paymentDescriptor: choice.instrument.paymentDescriptor }],
    });
    this.instruments.set(id, choice.instrument);
  }

  async changeAddress(id: string, address: BuyerChoice["address"]) {
    this.#update(id, { shippingAddress: nullAddress(address.address) });
  }

  async changeInstrument(id: string, instrument: BuyerChoice["instrument"]) {
    this.#update(id, { paymentPreferences: [{ paymentDescriptor: instrument.paymentDescriptor }] });
    this.instruments.set(id, instrument);
  }

  async authenticate(id: string) {
    this.authenticated.push(id);
  }

  async createSignInFromButton(_merchantId: string, _environment: string, payload: unknown): Promise<string> {
    const body = payload as { signInReturnUrl: string; signInCancelUrl?: string; signInScopes?: string[] };
    const signInId = `00000000-0000-4000-9000-${String(this.#next++).padStart(12, "0")}`;
    this.signIns.set(signInId, {
      signInId,
      merchantId: MERCHANT,
      region: "eu",
      merchantName: "Testladen",
      signInReturnUrl: body.signInReturnUrl,
      signInCancelUrl: body.signInCancelUrl ?? null,
      scopes: body.signInScopes ?? [],
      state: "Open",
    });
    return signInId;
  }

  async loadSignIn(signInId: string): Promise<SignInView | undefined> {
    return this.signIns.get(signInId);
  }

  #endSignIn(signInId: string, state: "SignedIn" | "Canceled"): void {
    const signIn = this.signIns.get(signInId);
    if (signIn?.state !== "Open") throw new AmazonError("InvalidRequest", "This sign-in has ended.");
    this.signIns.set(signInId, { ...signIn, state });
  }

  async completeSignIn(signInId: string, choice: BuyerChoice): Promise<string> {
    this.#endSignIn(signInId, "SignedIn");
    const token = `BT${this.buyerTokens.size + 1}`;
    this.buyerTokens.set(token, choice.buyer.buyerId);
    return token;
  }

  async cancelSignIn(signInId: string): Promise<void> {
    this.#endSignIn(signInId, "Canceled");
  }

  async cancelByBuyer(id: string) {
    this.#update(id, {
      statusDetails: {
        state: "Canceled",
        reasonCode: "BuyerCanceled",
        reasonDescription: null,
        lastUpdatedTimestamp: "20260101T000000Z",
      },
    });
  }
}

/** A real emulator over HTTPS with one EU merchant, as the buyer scenario tests use it. */
export interface EmulatorUnderTest {
  readonly url: string;
  readonly merchant: { merchantId: string; storeId: string; publicKeyId: string; privateKeyPem: string };
  /** Kasse's own connector for that merchant, trusting the emulator's certificate. */
  readonly client: AmazonPayClient;
  /** POST to an admin route over HTTPS; status and parsed JSON body. */
  admin(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  advanceClock(seconds: number): Promise<void>;
  close(): Promise<void>;
}

export async function startEmulatorUnderTest(): Promise<EmulatorUnderTest> {
  const tls = await createCertificate();
  // Like the store's test databases: PGlite, or a fresh schema on PostgreSQL when DATABASE_URL is set.
  const databaseUrl = process.env.DATABASE_URL;
  const emulator = await startEmulator({
    port: 0,
    tls,
    ipn: false,
    ...(databaseUrl
      ? { databaseUrl, databaseSchema: `t_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}` }
      : {}),
  });
  const dispatcher = new Agent({ connect: { ca: tls.cert } });
  const admin = async (path: string, body: unknown) => {
    const response = await undiciFetch(`${emulator.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      dispatcher,
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const created = await admin("/__admin/merchants", { region: "eu", name: "Testladen GmbH" });
  if (created.status !== 201)
    throw new Error(`creating the merchant failed: ${JSON.stringify(created.body)}`);
  const merchant = created.body as EmulatorUnderTest["merchant"];
  const client = new AmazonPayClient({
    region: "eu",
    environment: "sandbox",
    publicKeyId: merchant.publicKeyId,
    privateKey: merchant.privateKeyPem,
    baseUrl: `127.0.0.1:${emulator.port}`,
    ca: tls.cert,
    retry: { maxAttempts: 1 },
  });
  return {
    url: emulator.url,
    merchant,
    client,
    admin,
    async advanceClock(seconds) {
      const answer = await admin("/__admin/clock", { advanceSeconds: seconds });
      if (answer.status !== 200)
        throw new Error(`advancing the clock failed: ${JSON.stringify(answer.body)}`);
    },
    async close() {
      await client.close();
      await dispatcher.close();
      await emulator.close();
    },
  };
}
