/**
 * Kontierung: how a settlement line becomes bookings, and which accounts the bookings hit
 * (docs/accounting.md "Booking rules"). Amazon Pay is a money account of its own (a "fingiertes
 * Bankkonto"): every line moves it, against one counter account per kind of line, and fees are a
 * booking of their own — gross, never netted. Bookings name roles; a rule set maps the roles to
 * SKR03 or SKR04 account numbers and may add a BU-Schlüssel where one is allowed.
 */
import type { SettlementLine, TransactionType } from "./settlement-parser.js";

export const CHARTS = ["SKR03", "SKR04"] as const;
export type Chart = (typeof CHARTS)[number];

export const ROLES = [
  "amazonPay",
  "transit",
  "fees",
  "receivables",
  "refunds",
  "chargebacks",
  "reserve",
  "adjustments",
] as const;
export type Role = (typeof ROLES)[number];

export const KINDS = ["capture", "refund", "chargeback", "fee", "payout", "reserve", "adjustment"] as const;
export type BookingKind = (typeof KINDS)[number];

/** Kinds that may carry a BU-Schlüssel: money transfers and reserve movements carry no tax. */
export const TAXABLE_KINDS: readonly BookingKind[] = ["capture", "refund", "chargeback", "fee", "adjustment"];

/** Counter roles that may be a Personenkonto (Debitor, one digit longer than a Sachkonto). */
const PERSONAL_ROLES: readonly Role[] = ["receivables", "refunds", "chargebacks"];

export interface RuleSet {
  readonly chart: Chart;
  readonly accounts: Readonly<Record<Role, string>>;
  readonly buKeys: Readonly<Partial<Record<BookingKind, string>>>;
}

/**
 * Defaults from the reference's SKR tables: Amazon Pay in the bank range, Geldtransit for
 * payouts, Nebenkosten des Geldverkehrs for fees, a Sammeldebitor for the customer side (the
 * shop's invoices clear there, OPOS), Sonstige Vermögensgegenstände for the reserve and
 * Durchlaufende Posten for adjustments until the advisor decides. No BU-Schlüssel by default.
 */
export const DEFAULT_RULES: Readonly<Record<Chart, RuleSet>> = {
  SKR03: {
    chart: "SKR03",
    accounts: {
      amazonPay: "1210",
      transit: "1360",
      fees: "4970",
      receivables: "10000",
      refunds: "10000",
      chargebacks: "10000",
      reserve: "1500",
      adjustments: "1590",
    },
    buKeys: {},
  },
  SKR04: {
    chart: "SKR04",
    accounts: {
      amazonPay: "1810",
      transit: "1460",
      fees: "6855",
      receivables: "10000",
      refunds: "10000",
      chargebacks: "10000",
      reserve: "1300",
      adjustments: "1370",
    },
    buKeys: {},
  },
};

/**
 * Automatic accounts (DATEV derives the tax itself; a BU-Schlüssel there is an error). The
 * revenue and purchase accounts with a fixed VAT rate that a shop's bookings could name; the
 * list is not DATEV's whole, which depends on the chart's edition.
 */
export const AUTOMATIC_ACCOUNTS: Readonly<Record<Chart, ReadonlySet<string>>> = {
  SKR03: new Set([
    "3300",
    "3400",
    "8125",
    "8300",
    "8310",
    "8315",
    "8336",
    "8338",
    "8400",
    "8410",
    "8920",
    "8921",
    "8922",
    "8923",
    "8924",
    "8925",
  ]),
  SKR04: new Set([
    "5300",
    "5400",
    "4125",
    "4300",
    "4310",
    "4315",
    "4336",
    "4338",
    "4400",
    "4410",
    "4640",
    "4645",
    "4646",
    "4660",
    "4670",
    "4680",
  ]),
};

/** Each settlement line type: the kind of its amount booking and the account it hits besides Amazon Pay. */
const LINE_RULES: Readonly<Record<TransactionType, { kind: BookingKind; counter: Role }>> = {
  Capture: { kind: "capture", counter: "receivables" },
  Refund: { kind: "refund", counter: "refunds" },
  Chargeback: { kind: "chargeback", counter: "chargebacks" },
  "A-to-z Guarantee Claim": { kind: "chargeback", counter: "chargebacks" },
  Dispute: { kind: "chargeback", counter: "chargebacks" },
  Transfer: { kind: "payout", counter: "transit" },
  Debt: { kind: "payout", counter: "transit" },
  Reserve: { kind: "reserve", counter: "reserve" },
  Adjustment: { kind: "adjustment", counter: "adjustments" },
  Authorization: { kind: "adjustment", counter: "adjustments" },
};

export interface LegDraft {
  readonly leg: "amount" | "fee";
  readonly kind: BookingKind;
  readonly debitRole: Role;
  readonly creditRole: Role;
  /** Positive minor units. */
  readonly amount: number;
}

/**
 * The bookings of one line: its amount against the line's counter account, and its total fee
 * against the fee account — each in the direction of its sign (positive = Amazon Pay debited).
 * A zero part makes no booking; a line whose parts are all zero makes none (reconciliation lists it).
 */
export function legsOf(line: Pick<SettlementLine, "type" | "amount" | "totalFee">): LegDraft[] {
  const rule = LINE_RULES[line.type];
  const legs: LegDraft[] = [];
  const push = (leg: LegDraft["leg"], kind: BookingKind, counter: Role, signed: number) => {
    if (signed === 0) return;
    legs.push({
      leg,
      kind,
      debitRole: signed > 0 ? "amazonPay" : counter,
      creditRole: signed > 0 ? counter : "amazonPay",
      amount: Math.abs(signed),
    });
  };
  push("amount", rule.kind, rule.counter, line.amount);
  push("fee", "fee", "fees", line.totalFee);
  return legs;
}

/** What a booking does to the Amazon Pay account, signed (debit positive). */
export function amazonPayDelta(leg: Pick<LegDraft, "debitRole" | "creditRole" | "amount">): number {
  return (leg.debitRole === "amazonPay" ? leg.amount : 0) - (leg.creditRole === "amazonPay" ? leg.amount : 0);
}

export interface ResolvedLeg {
  readonly konto: string;
  readonly gegenkonto: string;
  readonly buKey: string;
}

export function resolveLeg(
  rules: RuleSet,
  leg: Pick<LegDraft, "kind" | "debitRole" | "creditRole">,
): ResolvedLeg {
  return {
    konto: rules.accounts[leg.debitRole],
    gegenkonto: rules.accounts[leg.creditRole],
    buKey: rules.buKeys[leg.kind] ?? "",
  };
}

/** A rule set refused, naming the field (`accounts.fees`, `buKeys.capture`). */
export class RuleSetError extends Error {
  override name = "RuleSetError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** DATEV's Sachkontenlänge (EXTF header field 14): Sachkonten have 4 to 8 digits. */
export const MIN_ACCOUNT_LENGTH = 4;
export const MAX_ACCOUNT_LENGTH = 8;

/**
 * A validated rule set's Sachkontenlänge: the digits of its Sachkonten (all have the same number;
 * the Amazon Pay account is always one). Debitoren have one digit more.
 */
export function accountLengthOf(rules: RuleSet): number {
  return rules.accounts.amazonPay.length;
}

/**
 * Checks a rule set edited by a user (JSON), filling what it leaves out from the chart's
 * defaults. Account numbers are Sachkonten of one length L, 4–8 digits (DATEV's Sachkontenlänge,
 * named once in the file's header, so a rule set never mixes lengths; the Amazon Pay account sets
 * L); the customer-side roles may also be a Debitor of L + 1 digits (10^L … 7·10^L − 1), and when
 * left out they are the Sammeldebitor 10^L (10000 at L = 4, 100000 at L = 5). Amazon Pay must be
 * an account of its own; a BU-Schlüssel (1–4 digits) only on taxable kinds and never where either
 * account is automatic.
 */
export function validateRuleSet(chart: Chart, input: unknown): RuleSet {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new RuleSetError("rules", "must be a JSON object with accounts and buKeys");
  }
  const body = input as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (key !== "accounts" && key !== "buKeys" && key !== "chart")
      throw new RuleSetError(key, "is not a rule set field");
  }
  if (body.chart !== undefined && body.chart !== chart) throw new RuleSetError("chart", `must be ${chart}`);
  const accountsInput = objectOrEmpty(body.accounts, "accounts");
  const buInput = objectOrEmpty(body.buKeys, "buKeys");
  const defaults = DEFAULT_RULES[chart];
  const accounts = { ...defaults.accounts };
  for (const [role, value] of Object.entries(accountsInput)) {
    if (!(ROLES as readonly string[]).includes(role))
      throw new RuleSetError(`accounts.${role}`, `is not a role; roles: ${ROLES.join(", ")}`);
    if (typeof value !== "string") throw new RuleSetError(`accounts.${role}`, "must be a string of digits");
    accounts[role as Role] = value;
  }
  const amazonPay = accounts.amazonPay;
  if (
    !/^[0-9]+$/.test(amazonPay) ||
    amazonPay.length < MIN_ACCOUNT_LENGTH ||
    amazonPay.length > MAX_ACCOUNT_LENGTH
  ) {
    throw new RuleSetError(
      "accounts.amazonPay",
      `must be a Sachkonto of ${MIN_ACCOUNT_LENGTH}–${MAX_ACCOUNT_LENGTH} digits (its length is the rule set's Sachkontenlänge)`,
    );
  }
  const accountLength = amazonPay.length;
  const minPersonal = 10 ** accountLength;
  for (const role of PERSONAL_ROLES) {
    // The default Sammeldebitor follows the Sachkontenlänge.
    if (accountsInput[role] === undefined) accounts[role] = String(minPersonal);
  }
  for (const role of ROLES) {
    const number = accounts[role];
    const field = `accounts.${role}`;
    const personal = PERSONAL_ROLES.includes(role) && number.length === accountLength + 1;
    if (!/^[0-9]+$/.test(number)) throw new RuleSetError(field, "must be a string of digits");
    if (number.length !== accountLength && !personal) {
      const given = role in accountsInput ? "" : ` (the ${chart} default; set it too)`;
      throw new RuleSetError(
        field,
        `${number}${given} has ${number.length} digits, but the Sachkontenlänge of this rule set is ${accountLength} (accounts.amazonPay ${amazonPay}): a DATEV file names one length in its header, so every Sachkonto must have ${accountLength} digits${
          PERSONAL_ROLES.includes(role) ? ` (a Debitor ${accountLength + 1})` : ""
        } — mixed lengths are refused`,
      );
    }
    if (personal && (Number(number) < minPersonal || Number(number) >= 7 * minPersonal)) {
      throw new RuleSetError(field, `a Debitor lies in ${minPersonal}–${7 * minPersonal - 1}`);
    }
    if (/^0+$/.test(number)) throw new RuleSetError(field, "must not be zero");
    if (role !== "amazonPay" && number === accounts.amazonPay) {
      throw new RuleSetError(
        field,
        "must differ from the Amazon Pay account (every booking has Amazon Pay on one side)",
      );
    }
  }
  const buKeys: Partial<Record<BookingKind, string>> = {};
  for (const [kind, value] of Object.entries(buInput)) {
    const field = `buKeys.${kind}`;
    if (!(KINDS as readonly string[]).includes(kind))
      throw new RuleSetError(field, `is not a booking kind; kinds: ${KINDS.join(", ")}`);
    if (value === "" || value === null) continue;
    if (typeof value !== "string" || !/^\d{1,4}$/.test(value))
      throw new RuleSetError(field, "must be 1–4 digits");
    if (!TAXABLE_KINDS.includes(kind as BookingKind))
      throw new RuleSetError(field, `${kind} bookings carry no tax key`);
    const counter = counterRoleOf(kind as BookingKind);
    for (const number of [accounts.amazonPay, accounts[counter]]) {
      if (AUTOMATIC_ACCOUNTS[chart].has(number)) {
        throw new RuleSetError(
          field,
          `account ${number} is an automatic account in ${chart}; it takes no BU-Schlüssel`,
        );
      }
    }
    buKeys[kind as BookingKind] = value;
  }
  return { chart, accounts, buKeys };
}

function counterRoleOf(kind: BookingKind): Role {
  if (kind === "fee") return "fees";
  const rule = Object.values(LINE_RULES).find((candidate) => candidate.kind === kind);
  return (rule as { counter: Role }).counter;
}

function objectOrEmpty(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new RuleSetError(field, "must be an object");
  return value as Record<string, unknown>;
}
