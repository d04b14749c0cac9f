import type { CheckoutSession } from "../../amazon/wire.js";
import type { BuyerChoice, WalletAddressEntry, WalletInstrument, WalletRegion } from "./wallet.js";

/** A registered public key as the button needs it (reference §2.5). */
export interface ButtonKey {
  readonly merchantId: string;
  /** `null` for a legacy key id, valid in both environments. */
  readonly environment: "sandbox" | "live" | null;
  readonly publicKeyPem: string;
  /** The merchant's region: which test buyers may sign in. */
  readonly region: WalletRegion;
}

/** A click on the SignIn button, waiting for the buyer (reference §2.5, §4.6). */
export interface SignInView {
  readonly signInId: string;
  readonly merchantId: string;
  readonly region: WalletRegion;
  readonly merchantName: string;
  readonly signInReturnUrl: string;
  readonly signInCancelUrl: string | null;
  /** The scopes the merchant asked for (`signInScopes`); empty means Amazon's default, name and email. */
  readonly scopes: readonly string[];
  /** `Open` until the buyer signed in or canceled; a sign-in is used once. */
  readonly state: "Open" | "SignedIn" | "Canceled";
}

/** What the buyer pages need to know about a checkout session. */
export interface EngineSessionView {
  readonly merchantId: string;
  readonly region: WalletRegion;
  readonly merchantName: string;
  /** The session as Amazon's API would return it now. */
  readonly session: CheckoutSession;
}

/** The wallet ids the buyer chose, read back from the session's buyer, address and instrument. */
export interface WalletChoiceIds {
  readonly buyerId: string;
  /** `null` for PayOnly, and for an address the merchant supplied (APB). */
  readonly addressId: string | null;
  readonly instrumentId: string;
}

/** A session as the buyer pages and shortcuts use it. */
export interface BuyerSession extends EngineSessionView {
  /** `null` before sign-in. */
  readonly choice: WalletChoiceIds | null;
}

/**
 * The engine operations the buyer side drives. Each one runs in the engine's transaction and
 * throws the engine's `AmazonError` when Amazon would refuse.
 */
export interface BuyerEngine {
  findButtonKey(publicKeyId: string): Promise<ButtonKey | undefined>;
  /** Creates a session from a verified button payload (reference §11.1 step 1); returns its id. */
  createSessionFromButton(
    merchantId: string,
    environment: "sandbox" | "live",
    payload: unknown,
  ): Promise<string>;
  loadSession(checkoutSessionId: string): Promise<EngineSessionView | undefined>;
  /** The buyer signs in and picks an address (none for PayOnly) and an instrument. */
  signIn(checkoutSessionId: string, choice: BuyerChoice): Promise<void>;
  changeAddress(checkoutSessionId: string, address: WalletAddressEntry): Promise<void>;
  changeInstrument(checkoutSessionId: string, instrument: WalletInstrument): Promise<void>;
  /** The buyer confirms on the `amazonPayRedirectUrl` page: the payment intent is processed. */
  authenticate(checkoutSessionId: string): Promise<void>;
  /** The buyer cancels on an Amazon page: Canceled/BuyerCanceled. */
  cancelByBuyer(checkoutSessionId: string): Promise<void>;
  /** Stores a verified SignIn button payload (§4.6); returns the sign-in id. */
  createSignInFromButton(
    merchantId: string,
    environment: "sandbox" | "live",
    payload: unknown,
  ): Promise<string>;
  loadSignIn(signInId: string): Promise<SignInView | undefined>;
  /** The buyer signs in and shares the scopes: a buyer token for Get Buyer. Refused unless Open. */
  completeSignIn(signInId: string, choice: BuyerChoice): Promise<string>;
  /** The buyer leaves without signing in. Refused unless Open. */
  cancelSignIn(signInId: string): Promise<void>;
}
