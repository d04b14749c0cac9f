/**
 * `amazonAPA.aspx` and the buyer's returns from Amazon (seed 004 Schritt 6–10, seed 001 APB,
 * reference §5.0–§5.5, §5.10):
 * - init (S2S): validated against the init table (or the APB table plus the address table of
 *   the shipping country), answered with `buttonpayload`/`buttonsignature`/`buttonpublickeyid`;
 * - `EventToken=UpdateAuthorizeAmount` (S2S): a new amount before completion (update-amount.ts);
 * - `RTF=R` (S2S): a merchant-initiated charge (recurring-charge.ts).
 * The buyer's returns to the pages named in the button payload are buyer-return.ts. A buyer's
 * browser sent here with an init (hosted payment page) gets the same init and hosted-page.ts's
 * page with the button instead of the S2S answer, or a page saying why the request was refused.
 *
 * Conditional rules the tables cannot express are enforced here (seed 001 "Adressprüfung"):
 * `sdState` must be absent for UK, GB, SG, AE and MX; a US ZIP code is 5 digits or ZIP+4 with a
 * hyphen.
 */
import type { AddressDetails } from "../../amazon/wire.js";
import { isSupportedCurrency } from "../../core/money.js";
import type { TxType } from "../../core/payment.js";
import { recurringTermsOf } from "../../core/recurring.js";
import { parseAddressRestriction, parseScopes } from "../../payments/checkout-payload.js";
import type { InitCommand } from "../../payments/index.js";
import { type PaygateCode, paygateCode } from "../codes.js";
import { paygateCodeOf } from "../outcome-codes.js";
import type { DataPairs } from "../parameters.js";
import type { PageOutcome, PageRequest, PaygatePage } from "../routes.js";
import {
  addressTableFor,
  apbAddressEu,
  apbInitRequest,
  apbInitResponse,
  initRequest,
  initResponse,
  type ParameterTable,
  recurringChargeRequest,
  recurringInitialRequest,
  STATE_NOT_SUPPORTED,
  updateAmountRequest,
} from "../tables.js";
import { urlRefusal } from "../urls.js";
import { RETURN_PAGES } from "./buyer-return.js";
import type { PageDeps } from "./deps.js";
import { type FindButtonAccount, hostedPage, hostedRefusalPage, pageLanguage } from "./hosted-page.js";
import { answerBody, answered, type PageRule, type PaygateMerchant, receive, refusal } from "./receive.js";
import { recurringChargeAnswer } from "./recurring-charge.js";
import { doorDataOf } from "./shop.js";
import { simulationCodeOf } from "./test-mode.js";
import { updateAmountAnswer } from "./update-amount.js";

/** Markets whose ledger may present another currency (reference §4.2, amazon-pay-v2 §11.3). */
const MULTI_CURRENCY_MARKETS = ["EU", "UK"];

const ADDRESS_KEYS = [
  "name",
  "sdstreet",
  "sdstreet2",
  "sdaddressaddition",
  "sdcity",
  "sddistrict",
  "sdstate",
  "sdzipcode",
  "sdcountrycode",
  "sdphone",
];

type Get = (key: string) => string | undefined;

function getter(pairs: DataPairs): Get {
  return (key) => pairs.pairs.get(key)?.value || undefined;
}

/** Which table an amazonAPA.aspx request is read against (§5.1, §5.4, §5.9, seed 001). */
function ruleFor(pairs: DataPairs): PageRule | PaygateCode {
  const get = getter(pairs);
  if (get("eventtoken") !== undefined) {
    return { tables: [updateAmountRequest], mac: { table: updateAmountRequest, required: false } };
  }
  const rtf = get("rtf");
  // RTF=R (§5.9): a merchant-initiated charge; its table lists no MAC, so one is checked when sent.
  if (rtf === "R") {
    return { tables: [recurringChargeRequest], mac: { table: recurringChargeRequest, required: false } };
  }
  if (rtf !== undefined && rtf !== "I") return paygateCode("PARAMETER_VALUE_NOT_ALLOWED", "RTF");
  if (get("checkoutmode") === undefined) {
    const tables = rtf === "I" ? [initRequest, recurringInitialRequest] : [initRequest];
    return { tables, mac: { table: initRequest, required: true } };
  }
  const tables: ParameterTable[] = [apbInitRequest];
  if (ADDRESS_KEYS.some((key) => get(key) !== undefined)) {
    // Countries outside the seed's three tables follow the EU table's (general) rules.
    tables.push(addressTableFor(get("sdcountrycode") ?? "") ?? apbAddressEu);
  }
  return { tables, mac: { table: apbInitRequest, required: true } };
}

/**
 * `buttonAccount`: the merchant's Amazon account as the hosted page's button needs it; without
 * it a browser gets the S2S answer like a server (no hosted page).
 */
export function amazonApaPage(
  deps: PageDeps,
  gatewayUrl: () => string,
  buttonAccount?: FindButtonAccount,
): PaygatePage {
  return {
    name: "amazonAPA.aspx",
    async handle(fields, _body, request?: PageRequest) {
      const hosted = request?.browser === true && buttonAccount !== undefined;
      const language = pageLanguage(request?.acceptLanguage);
      // A refusal a browser would get as `Len=…&Data=…` text is shown as a page instead.
      const answer = (outcome: PageOutcome): PageOutcome =>
        hosted && outcome.kind === "answer" && outcome.refused !== undefined
          ? hostedRefusalPage(outcome.refused, language)
          : outcome;
      const received = await receive(fields, deps.findMerchant, ruleFor);
      if (!received.ok) return answer(received.outcome);
      const { merchant } = received;
      const get = getter(received.pairs);
      const echo = { ...received, transId: get("transid"), payId: get("payid") };

      if (get("eventtoken") !== undefined) return updateAmountAnswer(deps, received);
      if (get("rtf") === "R") return recurringChargeAnswer(deps, received);

      const base = gatewayUrl();
      const mid = encodeURIComponent(merchant.merchantId);
      const returnsFor = (payId: string) => ({
        review: `${base}/${RETURN_PAGES.review}?PayID=${payId}&mid=${mid}`,
        result: `${base}/${RETURN_PAGES.result}?PayID=${payId}&mid=${mid}`,
        cancel: `${base}/${RETURN_PAGES.cancel}?PayID=${payId}&mid=${mid}`,
      });
      const command = initCommandOf(get, merchant, received, returnsFor);
      if ("code" in command) return answer(refusal(merchant, command, echo));
      const result = await deps.payments.init(merchant.merchantId, command);
      if (!result.ok) return answer(refusal(merchant, paygateCodeOf(result.refusal), echo));
      if (hosted) {
        const account = await buttonAccount(merchant.merchantId);
        if (account === undefined) return answer(refusal(merchant, paygateCode("INTERNAL_ERROR"), echo));
        return hostedPage(
          {
            transId: command.transId,
            amount: command.amount,
            currency: command.currency,
            description: command.noteToBuyer,
            countryCode: command.countryCode,
            processOrder: command.processOrder,
            ships: command.addressDetails !== undefined,
            button: result.button,
            cancelUrl: returnsFor(result.payment.payId).cancel,
          },
          account,
          language,
        );
      }
      const table = command.processOrder ? apbInitResponse : initResponse;
      const ok = paygateCode("OK");
      return answered(
        answerBody(received, table, {
          mid: merchant.merchantId,
          PayID: result.payment.payId,
          XID: result.action.xid,
          TransID: command.transId,
          refnr: command.refnr,
          Status: "OK",
          buttonsignature: result.button.signature,
          buttonpayload: result.button.payload,
          buttonpublickeyid: result.button.publicKeyId,
          Code: ok.code,
          Description: ok.description,
        }),
      );
    },
  };
}

/** Reads a valid init request into the flow's command, or the code of the first broken rule. */
function initCommandOf(
  get: Get,
  merchant: PaygateMerchant,
  received: {
    readonly scheme: "blowfish" | "aes";
    readonly custom?: string | undefined;
    readonly userData?: string | undefined;
    readonly reqId?: string | undefined;
  },
  returnsFor: InitCommand["returnsFor"],
): InitCommand | PaygateCode {
  const currency = get("currency") as string;
  const countryCode = get("countrycode") as string;
  if (!isSupportedCurrency(currency)) return paygateCode("PARAMETER_VALUE_NOT_ALLOWED", "Currency");
  const localCurrency = get("localcurrency");
  if (localCurrency !== undefined) {
    if (!MULTI_CURRENCY_MARKETS.includes(countryCode))
      return paygateCode("PARAMETER_NOT_ALLOWED", "LocalCurrency");
    // Amazon charges in the presentment currency: Amount and Currency must already be in it.
    if (localCurrency !== currency) return paygateCode("PARAMETER_INVALID", "LocalCurrency");
  }
  for (const key of ["URLSuccess", "URLFailure", "URLCancel", "ShopUrl", "URLNotify"]) {
    const refused = urlRefusal(key, get(key.toLowerCase()), merchant.environment);
    if (refused !== undefined) return refused;
  }
  const urlNotify = get("urlnotify") as string;

  let scopes: InitCommand["scopes"];
  const scopeText = get("scope");
  if (scopeText !== undefined) {
    scopes = parseScopes(scopeText);
    if (scopes === undefined) return paygateCode("PARAMETER_VALUE_NOT_ALLOWED", "Scope");
  }
  let deliverySpecifications: InitCommand["deliverySpecifications"];
  const restriction = get("addressrestriction");
  if (restriction !== undefined) {
    deliverySpecifications = parseAddressRestriction(restriction);
    if (deliverySpecifications === undefined) return paygateCode("PARAMETER_INVALID", "addressRestriction");
  }
  const processOrder = get("checkoutmode") === "ProcessOrder";
  let addressDetails: AddressDetails | undefined;
  if (processOrder && get("sdcountrycode") !== undefined) {
    const address = addressOf(get);
    if ("code" in address) return address;
    addressDetails = address;
  }
  let recurring: InitCommand["recurring"];
  if (get("rtf") === "I") {
    // The APB table marks cycle and Value conditional; with RTF=I they are required (§5.9).
    const cycle = get("cycle");
    const value = get("value");
    if (cycle === undefined) return paygateCode("PARAMETER_MISSING", "cycle");
    if (value === undefined) return paygateCode("PARAMETER_MISSING", "Value");
    const terms = recurringTermsOf(cycle, value, get("installmentamount"));
    if ("parameter" in terms) return paygateCode("PARAMETER_VALUE_NOT_ALLOWED", terms.parameter);
    recurring = terms;
  }
  const orderDesc = get("orderdesc");
  return {
    transId: get("transid") as string,
    refnr: get("refnr"),
    reqId: received.reqId,
    countryCode,
    amount: Number(get("amount")),
    currency,
    intent: (get("txtype") ?? "AuthorizeWithCapture") as TxType,
    presentmentCurrency: localCurrency,
    softDescriptor: get("chdesc"),
    noteToBuyer: orderDesc !== undefined && !/^Test:/i.test(orderDesc) ? orderDesc : undefined,
    simulationCode: simulationCodeOf("complete", get("amazonpaysimulationcode"), orderDesc),
    scopes,
    deliverySpecifications,
    processOrder,
    addressDetails,
    recurring,
    returnsFor,
    door: doorDataOf({
      urlSuccess: get("urlsuccess") as string,
      urlFailure: get("urlfailure") as string,
      urlNotify,
      urlCancel: get("urlcancel"),
      // APB without ShopUrl (FATCHIP Magento 2): the buyer's result page is URLSuccess anyway.
      shopUrl: get("shopurl") ?? (get("urlsuccess") as string),
      userData: received.userData,
      custom: received.custom,
      scheme: received.scheme,
    }),
  };
}

/** Seed 001 "Adressprüfung" → Amazon's addressDetails (mapping of reference §5.10). */
function addressOf(get: Get): AddressDetails | PaygateCode {
  const country = (get("sdcountrycode") as string).toUpperCase();
  const state = get("sdstate");
  if (state !== undefined && STATE_NOT_SUPPORTED.includes(country)) {
    return paygateCode("PARAMETER_NOT_ALLOWED", "sdState");
  }
  const zip = get("sdzipcode") as string;
  if (country === "US" && !/^\d{5}(-\d{4})?$/.test(zip)) return paygateCode("PARAMETER_INVALID", "SDZipcode");
  return {
    name: get("name") as string,
    addressLine1: streetLine(get("sdstreet") as string, get("sdstreetnr")),
    ...optional("addressLine2", get("sdstreet2")),
    ...optional("addressLine3", get("sdaddressaddition")),
    city: get("sdcity") as string,
    ...optional("districtOrCounty", get("sddistrict")),
    ...optional("stateOrRegion", state),
    postalCode: zip.toUpperCase(),
    countryCode: country,
    phoneNumber: get("sdphone") as string,
  };
}

/**
 * FATCHIP's plug-ins split the street into `sdStreet` (name) and `sdStreetNr` (house number), which
 * the seed's table does not list; Amazon needs both in addressLine1, so Kasse joins them.
 */
function streetLine(street: string, number: string | undefined): string {
  return number === undefined ? street : `${street} ${number}`;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
