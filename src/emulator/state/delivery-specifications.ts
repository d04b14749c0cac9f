/**
 * A Checkout Session's `deliverySpecifications` (reference §4.1, §11.2) as a rule on the buyer's
 * address: `addressRestrictions` `Allowed` (only the listed countries, states or zip codes) or
 * `NotAllowed` (the listed ones blocked), `RestrictPOBoxes` (in the countries Amazon names) and
 * `RestrictPackstations` (DE). The buyer pages show excluded addresses as unavailable and the
 * buyer flow refuses them.
 */
import type { DeliverySpecifications } from "../../amazon/wire.js";

/** The parts of an address the rules read. */
export interface DeliveryAddress {
  readonly addressLine1: string | null;
  readonly addressLine2: string | null;
  readonly addressLine3: string | null;
  readonly stateOrRegion: string | null;
  readonly postalCode: string | null;
  readonly countryCode: string;
}

/** Countries where `RestrictPOBoxes` applies (§11.2). */
const PO_BOX_COUNTRIES = ["US", "CA", "GB", "FR", "DE", "ES", "PT", "IT", "AU"];

/** PO boxes as they are written in those countries (P.O. Box, Postfach, Apartado, Boîte postale, …). */
const PO_BOX =
  /\b(p\.?\s*o\.?\s*box|post\s+office\s+box|postfach|apartado(\s+de\s+correos)?|bo[iî]te\s+postale|casella\s+postale|caixa\s+postal|locked\s+bag)\b/i;

/** DHL Packstations and post offices used as parcel lockers (DE only, §11.2). */
const PACKSTATION = /\b(packstation|postfiliale|paketbox)\b/i;

function normalized(value: string | null): string {
  return (value ?? "").trim().toUpperCase().replace(/\s+/g, " ");
}

function listed(values: readonly string[] | undefined, value: string | null): boolean {
  return values?.some((candidate) => normalized(candidate) === normalized(value)) ?? false;
}

function lines(address: DeliveryAddress): string {
  return [address.addressLine1, address.addressLine2, address.addressLine3].filter(Boolean).join(" ");
}

/**
 * Why the merchant does not deliver to this address, or `null` when it may be chosen.
 *
 * A country entry without lists covers the whole country; with `statesOrRegions` and/or
 * `zipCodes` it covers the addresses whose state or zip code is listed (exact match, case and
 * spacing ignored; choice: Amazon does not document prefix matching).
 *
 * @example addressExclusion({ addressRestrictions: { type: "Allowed", restrictions: { DE: {} } } }, london) // "… only to DE"
 */
export function addressExclusion(
  specifications: DeliverySpecifications | null | undefined,
  address: DeliveryAddress,
): string | null {
  if (specifications === null || specifications === undefined) return null;
  const country = normalized(address.countryCode);
  const special = specifications.specialRestrictions ?? [];
  if (
    special.includes("RestrictPOBoxes") &&
    PO_BOX_COUNTRIES.includes(country) &&
    PO_BOX.test(lines(address))
  ) {
    return "The shop does not deliver to PO boxes.";
  }
  if (special.includes("RestrictPackstations") && country === "DE" && PACKSTATION.test(lines(address))) {
    return "The shop does not deliver to Packstations.";
  }
  const restrictions = specifications.addressRestrictions;
  if (restrictions === undefined) return null;
  const entry = Object.entries(restrictions.restrictions).find(([code]) => normalized(code) === country)?.[1];
  const whole = entry !== undefined && !entry.statesOrRegions?.length && !entry.zipCodes?.length;
  const covered =
    entry !== undefined &&
    (whole ||
      listed(entry.statesOrRegions, address.stateOrRegion) ||
      listed(entry.zipCodes, address.postalCode));
  if (restrictions.type === "Allowed" && !covered) {
    const allowed = Object.keys(restrictions.restrictions).join(", ");
    return entry === undefined
      ? `The shop delivers only to ${allowed}.`
      : `The shop delivers to ${country} only in some states or postal codes, not to this one.`;
  }
  if (restrictions.type === "NotAllowed" && covered) {
    return whole
      ? `The shop does not deliver to ${country}.`
      : `The shop does not deliver to this state or postal code in ${country}.`;
  }
  return null;
}
