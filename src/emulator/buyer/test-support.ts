/**
 * An in-memory stand-in for the emulator engine, for the buyer routes' unit tests and for
 * looking at the pages during development; scenario tests use the real engine.
 */
import { generateKeyPairSync } from "node:crypto";
import { RequestSigner } from "../../amazon/signer.js";
import type { Address, CheckoutSession } from "../../amazon/wire.js";
import { AmazonError } from "../errors.js";
import type { ButtonKey, BuyerEngine, EngineSessionView } from "./engine-port.js";
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
  instruments = new Map<string, BuyerChoice["instrument"]>();
  authenticated: string[] = [];
  #next = 1;

  async findButtonKey(publicKeyId: string): Promise<ButtonKey | undefined> {
    return publicKeyId === KEY_ID
      ? { merchantId: MERCHANT, environment: "sandbox", publicKeyPem: PUBLIC_PEM }
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
