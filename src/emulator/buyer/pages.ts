/**
 * The buyer pages as pure views: data in, HTML out. Routes (`routes.ts`) load the data, check
 * the input and call the checkout flow; these functions only render.
 */
import type { Address, ChargePermission, CheckoutSession, Price } from "../../amazon/wire.js";
import { html, type SafeHtml } from "../../http/html.js";
import { addressExclusion } from "../state/delivery-specifications.js";
import type { BuyerSession, SignInView } from "./engine-port.js";
import { page } from "./html.js";
import { BUYER_PATHS } from "./paths.js";
import type { TestBuyer, WalletAddressEntry, WalletInstrument } from "./wallet.js";

/** The one-time code the emulated MFA challenge (3-D Secure / SCA) accepts. */
export const MFA_CODE = "123456";

function formatPrice(price: Price | null | undefined): string {
  return price ? `${price.amount} ${price.currencyCode}` : "–";
}

function addressLines(address: Address | null): SafeHtml {
  if (address === null) return html`<span class="muted">–</span>`;
  const cityLine = [address.postalCode, address.city, address.stateOrRegion].filter(Boolean).join(" ");
  const lines = [
    address.name,
    address.addressLine1,
    address.addressLine2,
    address.addressLine3,
    cityLine,
    address.countryCode,
  ].filter((line): line is string => typeof line === "string" && line !== "");
  return html`${lines.map((line, index) => html`${index > 0 ? html`<br>` : ""}${line}`)}`;
}

function merchantLine(view: BuyerSession): SafeHtml {
  const storeName = view.session.merchantMetadata.merchantStoreName ?? view.merchantName;
  return html`<div class="merchant">Checkout at <strong>${storeName}</strong> · Checkout Session <code>${view.session.checkoutSessionId}</code></div>`;
}

function hidden(fields: Readonly<Record<string, string>>): SafeHtml {
  return html`${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}

function errorBox(message: string | undefined): SafeHtml {
  return message ? html`<div class="error" role="alert">${message}</div>` : html``;
}

/**
 * The buyer's addresses; those the session's `deliverySpecifications` exclude are shown
 * disabled with the reason. Without `checkedId` the first available one is preselected.
 */
function addressOptions(
  view: BuyerSession,
  entries: readonly WalletAddressEntry[],
  checkedId: string | null,
): SafeHtml {
  const exclusion = (entry: WalletAddressEntry) =>
    addressExclusion(view.session.deliverySpecifications, entry.address);
  const checked = checkedId ?? entries.find((entry) => exclusion(entry) === null)?.addressId ?? null;
  return html`${entries.map((entry) => {
    const excluded = exclusion(entry);
    return html`<label class="option${excluded ? " unavailable" : ""}"><input type="radio" name="addressId" value="${entry.addressId}" ${
      entry.addressId === checked && !excluded ? "checked" : ""
    } ${excluded ? "disabled" : "required"}><span><strong>${entry.label}</strong><br>${addressLines(entry.address)}${
      excluded
        ? html`<br><span class="unavailable-reason">Not available for this order: ${excluded}</span>`
        : ""
    }</span></label>`;
  })}`;
}

function instrumentOptions(instruments: readonly WalletInstrument[], checkedId: string | null): SafeHtml {
  return html`${instruments.map(
    (card, index) =>
      html`<label class="option"><input type="radio" name="instrumentId" value="${card.instrumentId}" ${
        (checkedId === null ? index === 0 : card.instrumentId === checkedId) ? "checked" : ""
      } required><span><strong>${card.paymentDescriptor}</strong><br><span class="muted">${outcomeHint(card)}</span></span></label>`,
  )}`;
}

/** The sandbox behaviour of a card, said out loud so a tester knows what they are choosing (§9). */
function outcomeHint(card: WalletInstrument): string {
  switch (card.outcome.kind) {
    case "Success":
      return "Sandbox: payment succeeds";
    case "BuyerCanceled":
      return "Sandbox: buyer cancels (session Canceled/BuyerCanceled)";
    case "Declined":
      return "Sandbox: payment declined (session Canceled/Declined)";
    case "Pending":
      return `Sandbox: authorization pending, after ${card.outcome.afterSeconds} s ${
        card.outcome.finalState === "Authorized" ? "Authorized" : `Declined/${card.outcome.finalReasonCode}`
      }`;
  }
}

function isProcessOrder(session: CheckoutSession): boolean {
  return session.webCheckoutDetails.checkoutMode === "ProcessOrder";
}

/** Sign-in: the tester picks one of the region's test buyers (no password, it is a sandbox). */
export function signInPage(
  view: BuyerSession,
  buyers: readonly TestBuyer[],
  token: string,
  leaveUrl: string | null,
  error?: string,
): string {
  return page(
    "Sign in",
    html`<h1>Sign in with Amazon</h1>
${merchantLine(view)}
${errorBox(error)}
<form method="post" action="${BUYER_PATHS.signIn}">
${hidden({ amazonCheckoutSessionId: view.session.checkoutSessionId, token })}
<h2>Choose a sandbox test buyer</h2>
${buyers.map(
  (buyer, index) =>
    html`<label class="option"><input type="radio" name="buyerId" value="${buyer.buyerId}" ${
      index === 0 ? "checked" : ""
    } required><span><strong>${buyer.name}</strong><br><span class="muted">${buyer.email}</span></span></label>`,
)}
<div class="actions"><button type="submit" id="sign-in">Sign in</button>
${leaveUrl ? html`<a class="button secondary" href="${leaveUrl}">Return to the shop</a>` : ""}</div>
</form>`,
  );
}

/** What each `signInScopes` entry lets the shop see, in the buyer's words. */
const SCOPE_LABELS: Readonly<Record<string, string>> = {
  name: "your name",
  email: "your email address",
  phoneNumber: "your phone number",
  postalCode: "your postal code and country",
  shippingAddress: "your default shipping address",
  billingAddress: "the billing address of your default payment method",
  primeStatus: "your Prime membership status",
};

/**
 * The SignIn button's page (§4.6): the tester picks a test buyer, sees what the shop asks to
 * learn, and allows it (back to the shop with a buyer token) or goes back without signing in.
 */
export function signInWithAmazonPage(
  view: SignInView,
  buyers: readonly TestBuyer[],
  token: string,
  error?: string,
): string {
  // No scopes means Amazon's default: name and email (§4.6).
  const scopes = view.scopes.length === 0 ? ["name", "email"] : view.scopes;
  const cancelForm = view.signInCancelUrl
    ? html`<form method="post" action="${BUYER_PATHS.signInCancel}">${hidden({
        signInId: view.signInId,
        token,
      })}<button type="submit" class="secondary" id="cancel">Back to the shop</button></form>`
    : "";
  return page(
    "Sign in",
    html`<h1>Sign in with Amazon</h1>
<div class="merchant">Sign in to <strong>${view.merchantName}</strong></div>
${errorBox(error)}
<form method="post" action="${BUYER_PATHS.signInWithAmazon}" id="sign-in-form">
${hidden({ signInId: view.signInId, token })}
<h2>Choose a sandbox test buyer</h2>
${buyers.map(
  (buyer, index) =>
    html`<label class="option"><input type="radio" name="buyerId" value="${buyer.buyerId}" ${
      index === 0 ? "checked" : ""
    } required><span><strong>${buyer.name}</strong><br><span class="muted">${buyer.email}</span></span></label>`,
)}
<h2>${view.merchantName} will receive</h2>
<ul id="scopes">${scopes.map((scope) => html`<li>${SCOPE_LABELS[scope] ?? scope}</li>`)}</ul>
<div class="actions"><button type="submit" id="sign-in">Allow and sign in</button></div>
</form>
<div class="actions">${cancelForm}</div>`,
  );
}

/**
 * After sign-in: address (not for PayOnly, nor when an APB merchant supplied it) and instrument.
 * For `ProcessOrder` this is the APB confirm page: the submit pays.
 */
export function selectPage(
  view: BuyerSession,
  buyer: TestBuyer,
  token: string,
  leaveUrl: string | null,
  error?: string,
): string {
  const { session } = view;
  const processOrder = isProcessOrder(session);
  const merchantAddress = processOrder && session.shippingAddress !== null;
  const needsAddress = session.productType !== "PayOnly" && !merchantAddress;
  return page(
    processOrder ? "Confirm your order" : "Choose address and payment",
    html`<h1>${processOrder ? "Confirm your order" : `Hello, ${buyer.name}`}</h1>
${merchantLine(view)}
${errorBox(error)}
<form method="post" action="${BUYER_PATHS.select}">
${hidden({ amazonCheckoutSessionId: session.checkoutSessionId, token, buyerId: buyer.buyerId })}
${
  processOrder
    ? html`<div class="summary">Amount: <span class="amount" id="amount">${formatPrice(session.paymentDetails.chargeAmount)}</span>${
        merchantAddress
          ? html`<h2>Ship to (given by the shop)</h2>${addressLines(session.shippingAddress)}`
          : ""
      }</div>`
    : ""
}
${needsAddress ? html`<h2>Shipping address</h2>${addressOptions(view, buyer.addresses, null)}` : ""}
<h2>Payment method</h2>
${instrumentOptions(buyer.instruments, null)}
<div class="actions"><button type="submit" id="continue">${processOrder ? "Pay now" : "Continue"}</button>
${leaveUrl ? html`<a class="button secondary" href="${leaveUrl}">Return to the shop</a>` : ""}</div>
</form>`,
  );
}

/** `bindChangeAction` target: another address or another instrument of the signed-in buyer. */
export function changePage(
  view: BuyerSession,
  buyer: TestBuyer,
  action: "changeAddress" | "changePayment",
  token: string,
  error?: string,
): string {
  const address = action === "changeAddress";
  return page(
    address ? "Change address" : "Change payment method",
    html`<h1>${address ? "Choose a shipping address" : "Choose a payment method"}</h1>
${merchantLine(view)}
${errorBox(error)}
<form method="post" action="${BUYER_PATHS.change}">
${hidden({ amazonCheckoutSessionId: view.session.checkoutSessionId, token, changeAction: action })}
${
  address
    ? addressOptions(view, buyer.addresses, view.choice?.addressId ?? null)
    : instrumentOptions(buyer.instruments, view.choice?.instrumentId ?? null)
}
<div class="actions"><button type="submit" id="save">Use this ${address ? "address" : "payment method"}</button></div>
</form>`,
  );
}

/**
 * The page behind `amazonPayRedirectUrl`: the buyer sees the order, passes the emulated MFA
 * challenge (a one-time code, shown on the page because this is a sandbox) and confirms, or cancels.
 */
export function confirmPage(view: BuyerSession, buyer: TestBuyer, token: string, error?: string): string {
  const { session } = view;
  const instrument = buyer.instruments.find((card) => card.instrumentId === view.choice?.instrumentId);
  const cancelForm = html`<form method="post" action="${BUYER_PATHS.cancel}">${hidden({
    amazonCheckoutSessionId: session.checkoutSessionId,
    token,
  })}<button type="submit" class="secondary" id="cancel">Cancel payment</button></form>`;
  return page(
    "Confirm payment",
    html`<h1>Confirm your payment</h1>
${merchantLine(view)}
${errorBox(error)}
<div class="summary">
<div>Amount: <span class="amount" id="amount">${formatPrice(session.paymentDetails.chargeAmount)}</span></div>
${session.shippingAddress ? html`<h2>Ship to</h2>${addressLines(session.shippingAddress)}` : ""}
<h2>Pay with</h2>${instrument?.paymentDescriptor ?? session.paymentPreferences?.[0]?.paymentDescriptor ?? "–"}
</div>
<form method="post" action="${BUYER_PATHS.confirm}" id="confirm-form">
${hidden({ amazonCheckoutSessionId: session.checkoutSessionId, token })}
<h2>Security check</h2>
<p class="muted">Your bank asks you to confirm this payment (strong customer authentication).</p>
<div class="hint">Emulator: the one-time code is <strong>${MFA_CODE}</strong>; any other code fails the check.</div>
<label>One-time code <input type="text" name="code" value="${MFA_CODE}" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required></label>
<div class="actions"><button type="submit" id="confirm">Confirm payment</button></div>
</form>
<div class="actions">${cancelForm}</div>`,
  );
}

/**
 * The buyer's Amazon account page for one charge permission (what
 * `payments.amazon.com/jr/your-account/ba/{id}` shows, §12): its state, the payment method, a
 * form to pick another one, and for subscriptions a way to cancel.
 */
export function buyerAccountPage(
  view: { merchantName: string; permission: ChargePermission },
  buyer: TestBuyer,
  paths: { paymentMethod: string; close: string },
  token: string,
): string {
  const { permission } = view;
  const { state, reasons } = permission.statusDetails;
  const current = permission.paymentPreferences?.[0]?.paymentDescriptor ?? null;
  const currentId =
    buyer.instruments.find((card) => card.paymentDescriptor === current)?.instrumentId ?? null;
  const closable = state !== "Closed" && permission.chargePermissionType !== "OneTime";
  return page(
    "Your payment agreement",
    html`<h1>Payment agreement with ${view.merchantName}</h1>
<div class="merchant">${buyer.name} · ${permission.chargePermissionType} · <code>${permission.chargePermissionId}</code></div>
<div class="summary">
<div>Status: <strong id="state">${state}</strong>${reasons?.length ? html` (${reasons.map((reason) => reason.reasonCode).join(", ")})` : ""}</div>
<div>Pays with: <span id="payment">${current ?? "–"}</span></div>
</div>
${
  state === "NonChargeable" && reasons?.some((reason) => reason.reasonCode === "PaymentMethodInvalid")
    ? html`<div class="error" role="alert">Your payment method was declined. Choose another one so that ${view.merchantName} can charge you again.</div>`
    : ""
}
${
  state === "Closed"
    ? ""
    : html`<form method="post" action="${paths.paymentMethod}">
${hidden({ token })}
<h2>Payment method</h2>
${instrumentOptions(buyer.instruments, currentId)}
<div class="actions"><button type="submit" id="update-payment">Use this payment method</button></div>
</form>`
}
${
  closable
    ? html`<form method="post" action="${paths.close}">${hidden({ token })}<div class="actions"><button type="submit" class="secondary" id="close">Cancel this agreement</button></div></form>`
    : ""
}`,
  );
}

/** Every refusal of a buyer page: what went wrong, and the way back when one is known. */
export function errorPage(title: string, message: string, backUrl?: string | null): string {
  return page(
    title,
    html`<h1>${title}</h1>
<div class="error" role="alert" id="error">${message}</div>
${backUrl ? html`<div class="actions"><a class="button secondary" href="${backUrl}">Return to the shop</a></div>` : ""}`,
  );
}
