/**
 * Buyers (reference §2.5, §4.6): the SignIn button's sign-ins, the buyer tokens they end in, and
 * Get Buyer, which exchanges a token for what the buyer agreed to share.
 */
import type { SignInBuyer } from "../../amazon/wire.js";
import type { SignInPayload } from "../api/request-schemas.js";
import type { ButtonKey, SignInView } from "../buyer/engine-port.js";
import type { BuyerChoice } from "../buyer/wallet.js";
import { AmazonError, notFound } from "../errors.js";
import type { IdSource } from "../ids.js";
import { DAY, type Environment, type Region } from "../state/common.js";
import { choiceDetails } from "../state/wallet-choice.js";
import type { KeyDirectory } from "../store/key-directory.js";
import { findMerchant, loadObject, type Queryable, saveObject } from "../store/repository.js";
import type { Answer, ApiContext, Work, WorkRunner } from "./work.js";

interface BuyerTokenRecord {
  readonly token: string;
  readonly buyer: SignInBuyer;
  readonly expiresAt: number;
}

/** A SignIn button click (§4.6) as stored until the buyer signs in or cancels. */
interface SignInRecord {
  readonly signInId: string;
  readonly merchantId: string;
  readonly environment: Environment;
  readonly region: Region;
  readonly signInReturnUrl: string;
  readonly signInCancelUrl: string | null;
  readonly scopes: readonly string[];
  readonly state: SignInView["state"];
  readonly createdAt: number;
}

/** Buyer tokens of the SignIn button are kept for a day (lifetime unconfirmed, §4.6). */
const BUYER_TOKEN_LIFETIME = DAY;

export class Buyers {
  constructor(
    private readonly db: Queryable,
    private readonly ids: IdSource,
    private readonly runner: WorkRunner,
    private readonly keys: KeyDirectory,
  ) {}

  async getBuyer(work: Work, context: ApiContext, token: string): Promise<Answer> {
    const stored = await loadObject<BuyerTokenRecord>(work.tx, "BuyerToken", token);
    if (
      stored === undefined ||
      stored.merchantId !== context.merchant.merchantId ||
      stored.environment !== context.environment ||
      stored.record.expiresAt <= work.now
    ) {
      throw notFound("Buyer token", token);
    }
    return { status: 200, body: stored.record.buyer };
  }

  /** The SignIn button's result (§4.6): a token the merchant exchanges with Get Buyer. */
  async issueBuyerToken(
    merchantId: string,
    environment: Environment,
    choice: BuyerChoice,
    scopes: readonly string[],
  ): Promise<string> {
    return this.runner.run((work) => this.#issueBuyerToken(work, merchantId, environment, choice, scopes));
  }

  async #issueBuyerToken(
    work: Work,
    merchantId: string,
    environment: Environment,
    choice: BuyerChoice,
    scopes: readonly string[],
  ): Promise<string> {
    const token = this.ids.buyerToken();
    const details = choiceDetails(choice);
    const wants = (scope: string) => scopes.includes(scope);
    const buyer: SignInBuyer = {
      buyerId: details.buyer.buyerId,
      name: wants("name") || scopes.length === 0 ? details.buyer.name : null,
      email: wants("email") || scopes.length === 0 ? details.buyer.email : null,
      postalCode: wants("postalCode") ? details.shippingAddress.postalCode : null,
      countryCode:
        wants("postalCode") || wants("shippingAddress") ? details.shippingAddress.countryCode : null,
      phoneNumber: wants("phoneNumber") ? details.buyer.phoneNumber : null,
      shippingAddress: wants("shippingAddress") ? details.shippingAddress : null,
      billingAddress: wants("billingAddress") ? details.instrument.billingAddress : null,
      primeMembershipTypes: null,
    };
    await saveObject(work.tx, {
      kind: "BuyerToken",
      id: token,
      merchantId,
      environment,
      parentId: null,
      state: "Issued",
      record: { token, buyer, expiresAt: work.now + BUYER_TOKEN_LIFETIME } satisfies BuyerTokenRecord,
      body: buyer,
      dueAt: null,
      createdAt: work.now,
      updatedAt: work.now,
    });
    return token;
  }

  async findButtonKey(publicKeyId: string): Promise<ButtonKey | undefined> {
    const found = await this.keys.find(publicKeyId);
    if (found?.merchant === undefined) return undefined;
    const { key, merchant } = found;
    return {
      merchantId: key.merchantId,
      environment: key.environment,
      publicKeyPem: key.publicKeyPem,
      region: merchant.region,
    };
  }

  /** Stores a verified SignIn button payload (validated against `SIGN_IN_PAYLOAD`); answers its id. */
  async createSignIn(merchantId: string, environment: Environment, body: SignInPayload): Promise<string> {
    return this.runner.run(async (work) => {
      const merchant = await findMerchant(work.tx, merchantId);
      if (merchant === undefined)
        throw new AmazonError("UnauthorizedAccess", `Unknown merchant ${merchantId}.`);
      if (body.storeId !== merchant.storeId) {
        throw new AmazonError("InvalidParameterValue", "The value provided for storeId is invalid.");
      }
      const record: SignInRecord = {
        signInId: this.ids.signInId(),
        merchantId,
        environment,
        region: merchant.region,
        signInReturnUrl: body.signInReturnUrl,
        signInCancelUrl: body.signInCancelUrl ?? null,
        scopes: body.signInScopes ?? [],
        state: "Open",
        createdAt: work.now,
      };
      await this.#saveSignIn(work, record);
      return record.signInId;
    });
  }

  async #saveSignIn(work: Work, record: SignInRecord): Promise<void> {
    await saveObject(work.tx, {
      kind: "SignInRequest",
      id: record.signInId,
      merchantId: record.merchantId,
      environment: record.environment,
      parentId: null,
      state: record.state,
      record,
      body: record,
      dueAt: null,
      createdAt: record.createdAt,
      updatedAt: work.now,
    });
  }

  async loadSignIn(signInId: string): Promise<SignInView | undefined> {
    const stored = await loadObject<SignInRecord>(this.db, "SignInRequest", signInId);
    if (stored === undefined) return undefined;
    const merchant = await findMerchant(this.db, stored.merchantId);
    const { environment: _environment, createdAt: _createdAt, ...view } = stored.record;
    return { ...view, merchantName: merchant?.name ?? stored.merchantId };
  }

  async completeSignIn(signInId: string, choice: BuyerChoice): Promise<string> {
    return this.#endSignIn(signInId, "SignedIn", (work, record) =>
      this.#issueBuyerToken(work, record.merchantId, record.environment, choice, record.scopes),
    );
  }

  async cancelSignIn(signInId: string): Promise<void> {
    await this.#endSignIn(signInId, "Canceled", async () => undefined);
  }

  /** Moves an Open sign-in to its end state in one unit of work; `then` runs inside it. */
  async #endSignIn<T>(
    signInId: string,
    state: "SignedIn" | "Canceled",
    then: (work: Work, record: SignInRecord) => Promise<T>,
  ): Promise<T> {
    return this.runner.run(async (work) => {
      const stored = await loadObject<SignInRecord>(work.tx, "SignInRequest", signInId, true);
      if (stored === undefined) throw notFound("Sign-in", signInId);
      if (stored.record.state !== "Open") {
        throw new AmazonError("InvalidRequest", `This sign-in has ended (${stored.record.state}).`);
      }
      const result = await then(work, stored.record);
      await this.#saveSignIn(work, { ...stored.record, state });
      return result;
    });
  }
}
