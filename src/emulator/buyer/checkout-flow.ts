/**
 * What the buyer does on Amazon's pages, once: the HTML pages and the admin shortcuts of
 * CONTRACT.md (`/__admin/button-checkout`, `/__admin/checkout-sessions/{id}/…`) both call these
 * functions, so a shortcut does exactly what a click-through does.
 */
import { AmazonError } from "../errors.js";
import { withSessionId } from "../state/checkout-session.js";
import { addressExclusion } from "../state/delivery-specifications.js";
import { type ButtonOptions, type ButtonPayload, verifyButtonPayload } from "./button-payload.js";
import type { BuyerEngine, BuyerSession } from "./engine-port.js";
import {
  type BuyerChoice,
  type BuyerSelection,
  choiceIdsOf,
  resolveBuyer,
  testBuyersOf,
  UnknownBuyerSelectionError,
  type WalletAddressEntry,
  type WalletInstrument,
} from "./wallet.js";

export type { ButtonPayload } from "./button-payload.js";

export type ChangeAction = "changeAddress" | "changePayment";

export const CHANGE_ACTIONS: readonly ChangeAction[] = ["changeAddress", "changePayment"];

function invalid(message: string): AmazonError {
  return new AmazonError("InvalidParameterValue", message);
}

/** A wallet selection that matches nothing is the caller's mistake: 400 with the resolver's words. */
function resolveOrRefuse<T>(resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (error instanceof UnknownBuyerSelectionError) throw invalid(`buyer: ${error.message}`);
    throw error;
  }
}

export class CheckoutFlow {
  constructor(private readonly engine: BuyerEngine) {}

  /** The session, or `ResourceNotFound` as Amazon's API answers for an unknown id. */
  async session(checkoutSessionId: string): Promise<BuyerSession> {
    const found = await this.engine.loadSession(checkoutSessionId);
    if (found === undefined) {
      throw new AmazonError("ResourceNotFound", `Checkout Session ${checkoutSessionId} does not exist.`);
    }
    const { buyer, shippingAddress, paymentPreferences } = found.session;
    const choice = choiceIdsOf(
      buyer?.buyerId,
      shippingAddress as unknown as Record<string, unknown> | null,
      paymentPreferences?.[0]?.paymentDescriptor,
    );
    return { ...found, choice };
  }

  /**
   * Verifies the button signature as Amazon's script does and creates the session (§2.5, §11.1).
   * `sandbox` is the button's `sandbox` flag; it decides the environment of a legacy key id.
   * `merchantId`, when the button config names one, must own the key.
   */
  async startButtonCheckout(button: ButtonPayload, options: ButtonOptions = {}) {
    const verified = await verifyButtonPayload(this.engine, button, options);
    return this.engine.createSessionFromButton(
      verified.key.merchantId,
      verified.environment,
      verified.payload,
    );
  }

  /** `POST /__admin/button-checkout`: click, sign in with the selected buyer, continue. */
  async buttonCheckout(button: ButtonPayload, selection: BuyerSelection) {
    const checkoutSessionId = await this.startButtonCheckout(button);
    const redirectUrl = await this.approve(checkoutSessionId, selection);
    return { checkoutSessionId, redirectUrl };
  }

  /**
   * The buyer signs in with the selected test buyer and keeps the default instrument and the
   * default address, or the first the merchant delivers to (`deliverySpecifications`).
   */
  async approve(checkoutSessionId: string, selection: BuyerSelection): Promise<string> {
    const current = await this.session(checkoutSessionId);
    const choice = resolveOrRefuse(() => resolveBuyer(current.region, selection));
    if (selection.address !== undefined || !buyerPicksAddress(current)) {
      return this.signIn(checkoutSessionId, choice);
    }
    const deliverable = deliverableAddresses(current, choice.buyer.addresses);
    const address = deliverable[0];
    if (address === undefined) {
      throw invalid(
        `None of ${choice.buyer.name}'s addresses can be chosen for this checkout (deliverySpecifications): ${excludedList(current, choice.buyer.addresses)}`,
      );
    }
    return this.signIn(checkoutSessionId, { ...choice, address });
  }

  /**
   * Sign-in with a concrete choice, then what Amazon does next: back to the review page, or for
   * `checkoutMode: "ProcessOrder"` (APB, §11.2) straight on to processing and the result page.
   */
  async signIn(checkoutSessionId: string, choice: BuyerChoice): Promise<string> {
    const current = await this.openSession(checkoutSessionId);
    if (!testBuyersOf(current.region).includes(choice.buyer)) {
      throw invalid(`Test buyer ${choice.buyer.buyerId} belongs to another region than ${current.region}.`);
    }
    if (buyerPicksAddress(current)) assertDeliverable(current, choice.address);
    await this.engine.signIn(checkoutSessionId, choice);
    if (current.session.webCheckoutDetails.checkoutMode === "ProcessOrder") {
      return this.authenticate(checkoutSessionId);
    }
    return withSessionId(this.reviewUrlOf(current), checkoutSessionId);
  }

  /** The buyer confirms on the `amazonPayRedirectUrl` page (and passes MFA); back to the result URL. */
  async authenticate(checkoutSessionId: string): Promise<string> {
    const current = await this.openSession(checkoutSessionId);
    if (current.choice === null) throw this.notSignedIn(checkoutSessionId);
    const resultUrl = current.session.webCheckoutDetails.checkoutResultReturnUrl;
    if (resultUrl === null) {
      throw new AmazonError("InvalidCheckoutSessionStatus", "checkoutResultReturnUrl is not set.");
    }
    await this.engine.authenticate(checkoutSessionId);
    return withSessionId(resultUrl, checkoutSessionId);
  }

  /**
   * `bindChangeAction` pages: the buyer picks another address or instrument and returns to the
   * review page. Without a selection the next address (or instrument) of the wallet is taken,
   * so a shortcut without arguments still changes something.
   */
  async change(checkoutSessionId: string, action: ChangeAction, selection: BuyerSelection): Promise<string> {
    const current = await this.openSession(checkoutSessionId);
    if (current.choice === null) throw this.notSignedIn(checkoutSessionId);
    const { buyerId, addressId, instrumentId } = current.choice;
    const choice = resolveOrRefuse(() => resolveBuyer(current.region, { ...selection, buyerId }));
    if (action === "changeAddress") {
      if (current.session.productType === "PayOnly")
        throw invalid("A PayOnly checkout has no shipping address.");
      const explicit = selection.address !== undefined;
      const next = explicit
        ? choice.address
        : this.nextDeliverable(current, choice.buyer.addresses, addressId);
      assertDeliverable(current, next);
      await this.engine.changeAddress(checkoutSessionId, next);
    } else {
      const explicit = selection.card !== undefined || selection.instrument !== undefined;
      await this.engine.changeInstrument(
        checkoutSessionId,
        explicit
          ? choice.instrument
          : nextOf(choice.buyer.instruments, (card) => card.instrumentId === instrumentId),
      );
    }
    return withSessionId(this.reviewUrlOf(current), checkoutSessionId);
  }

  /** Applies a choice the change page posted (ids already validated against the buyer's wallet). */
  async applyChange(
    checkoutSessionId: string,
    change: WalletAddressEntry | WalletInstrument,
  ): Promise<string> {
    const current = await this.openSession(checkoutSessionId);
    if (current.choice === null) throw this.notSignedIn(checkoutSessionId);
    if ("addressId" in change) {
      assertDeliverable(current, change);
      await this.engine.changeAddress(checkoutSessionId, change);
    } else await this.engine.changeInstrument(checkoutSessionId, change);
    return withSessionId(this.reviewUrlOf(current), checkoutSessionId);
  }

  /** The buyer cancels on the confirm page: Canceled/BuyerCanceled, then the merchant's cancel URL. */
  async cancel(checkoutSessionId: string): Promise<string> {
    const current = await this.openSession(checkoutSessionId);
    await this.engine.cancelByBuyer(checkoutSessionId);
    return withSessionId(this.leaveUrlOf(current), checkoutSessionId);
  }

  /**
   * Where "back to the shop" goes: `checkoutCancelUrl`, else the review page, else the result
   * page (Amazon's default when no cancel URL is set is not documented; emulator choice).
   */
  leaveUrlOf(current: BuyerSession): string {
    const details = current.session.webCheckoutDetails;
    const url =
      details.checkoutCancelUrl ?? details.checkoutReviewReturnUrl ?? details.checkoutResultReturnUrl;
    if (url === null) throw invalid("The checkout session has no URL to return to.");
    return url;
  }

  /** The address after the current one that the merchant delivers to (the current one when it is the only one). */
  private nextDeliverable(
    current: BuyerSession,
    addresses: readonly WalletAddressEntry[],
    addressId: string | null,
  ): WalletAddressEntry {
    const deliverable = deliverableAddresses(current, addresses);
    if (deliverable.length === 0) {
      throw invalid(
        `None of the buyer's addresses can be chosen for this checkout (deliverySpecifications): ${excludedList(current, addresses)}`,
      );
    }
    const after = addresses.slice(addresses.findIndex((entry) => entry.addressId === addressId) + 1);
    return after.find((entry) => deliverable.includes(entry)) ?? (deliverable[0] as WalletAddressEntry);
  }

  private reviewUrlOf(current: BuyerSession): string {
    const url = current.session.webCheckoutDetails.checkoutReviewReturnUrl;
    if (url === null) throw invalid("checkoutReviewReturnUrl is not set.");
    return url;
  }

  private async openSession(checkoutSessionId: string): Promise<BuyerSession> {
    const current = await this.session(checkoutSessionId);
    const { state, reasonCode } = current.session.statusDetails;
    if (state !== "Open") {
      throw new AmazonError(
        "InvalidCheckoutSessionStatus",
        `Checkout Session ${checkoutSessionId} is ${state}${reasonCode ? ` (${reasonCode})` : ""}; the buyer can no longer act on it.`,
      );
    }
    return current;
  }

  private notSignedIn(checkoutSessionId: string): AmazonError {
    return new AmazonError(
      "InvalidCheckoutSessionStatus",
      `No buyer has signed in on Checkout Session ${checkoutSessionId} yet.`,
    );
  }
}

/** Whether the buyer chooses a shipping address: not for PayOnly, not when an APB merchant gives it. */
export function buyerPicksAddress(current: BuyerSession): boolean {
  return (
    current.session.productType !== "PayOnly" &&
    current.session.webCheckoutDetails.checkoutMode !== "ProcessOrder"
  );
}

/** Why the session's `deliverySpecifications` exclude this wallet address, or `null`. */
export function exclusionOf(current: BuyerSession, entry: WalletAddressEntry): string | null {
  return addressExclusion(current.session.deliverySpecifications, entry.address);
}

function deliverableAddresses(
  current: BuyerSession,
  addresses: readonly WalletAddressEntry[],
): WalletAddressEntry[] {
  return addresses.filter((entry) => exclusionOf(current, entry) === null);
}

function excludedList(current: BuyerSession, addresses: readonly WalletAddressEntry[]): string {
  return addresses.map((entry) => `${entry.addressId}: ${exclusionOf(current, entry)}`).join(" ");
}

function assertDeliverable(current: BuyerSession, entry: WalletAddressEntry): void {
  const exclusion = exclusionOf(current, entry);
  if (exclusion !== null) {
    throw invalid(`The address ${entry.addressId} cannot be chosen for this checkout: ${exclusion}`);
  }
}

function nextOf<T>(items: readonly T[], isCurrent: (item: T) => boolean): T {
  const index = items.findIndex(isCurrent);
  return items[(index + 1) % items.length] as T;
}
