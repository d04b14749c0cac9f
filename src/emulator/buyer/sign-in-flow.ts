/**
 * What the buyer does after a click on the SignIn button (reference §2.5, §4.6, §15): the
 * signed `signInConfig` payload is verified, the buyer signs in on the emulator's page and
 * returns to `signInReturnUrl?buyerToken=…`, which the merchant exchanges with Get Buyer. The
 * page and the admin shortcut `POST /__admin/button-signin` both call these functions.
 */
import { AmazonError } from "../errors.js";
import { type ButtonOptions, type ButtonPayload, verifyButtonPayload } from "./button-payload.js";
import type { BuyerEngine, SignInView } from "./engine-port.js";
import {
  type BuyerChoice,
  type BuyerSelection,
  resolveBuyer,
  testBuyersOf,
  UnknownBuyerSelectionError,
} from "./wallet.js";

/** Appends one query parameter to a merchant URL. */
export function withQueryParameter(url: string, name: string, value: string): string {
  const separator = url.includes("?") ? "&" : "?";
  return `${url}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

export class SignInFlow {
  constructor(private readonly engine: BuyerEngine) {}

  /** Verifies the SignIn button's payload and stores the sign-in; returns its id. */
  async start(button: ButtonPayload, options: ButtonOptions = {}): Promise<string> {
    const verified = await verifyButtonPayload(this.engine, button, options);
    return this.engine.createSignInFromButton(
      verified.key.merchantId,
      verified.environment,
      verified.payload,
    );
  }

  /** The sign-in, or `ResourceNotFound`. */
  async view(signInId: string): Promise<SignInView> {
    const found = await this.engine.loadSignIn(signInId);
    if (found === undefined) throw new AmazonError("ResourceNotFound", `Sign-in ${signInId} does not exist.`);
    return found;
  }

  /** The buyer signs in and shares the scopes; `redirectUrl` is `signInReturnUrl?buyerToken=…`. */
  async signIn(signInId: string, choice: BuyerChoice): Promise<{ buyerToken: string; redirectUrl: string }> {
    const current = await this.view(signInId);
    if (!testBuyersOf(current.region).includes(choice.buyer)) {
      throw new AmazonError(
        "InvalidParameterValue",
        `Test buyer ${choice.buyer.buyerId} belongs to another region than ${current.region}.`,
      );
    }
    const buyerToken = await this.engine.completeSignIn(signInId, choice);
    return { buyerToken, redirectUrl: withQueryParameter(current.signInReturnUrl, "buyerToken", buyerToken) };
  }

  /** The buyer goes back to the shop without signing in: `signInCancelUrl`. */
  async cancel(signInId: string): Promise<string> {
    const current = await this.view(signInId);
    if (current.signInCancelUrl === null) {
      throw new AmazonError("InvalidParameterValue", "The sign-in has no signInCancelUrl to return to.");
    }
    await this.engine.cancelSignIn(signInId);
    return current.signInCancelUrl;
  }

  /** `POST /__admin/button-signin`: click, sign in with the selected buyer, back to the shop. */
  async buttonSignIn(button: ButtonPayload, selection: BuyerSelection) {
    const signInId = await this.start(button);
    const { region } = await this.view(signInId);
    let choice: BuyerChoice;
    try {
      choice = resolveBuyer(region, selection);
    } catch (error) {
      if (error instanceof UnknownBuyerSelectionError)
        throw new AmazonError("InvalidParameterValue", `buyer: ${error.message}`);
      throw error;
    }
    return this.signIn(signInId, choice);
  }
}
