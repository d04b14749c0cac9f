/** Shared fixtures for the state-machine tests (not used by production code). */
import assert from "node:assert/strict";
import { resolveBuyer } from "../buyer/wallet.js";
import { AmazonError } from "../errors.js";
import { type ChoiceDetails, choiceDetails } from "./wallet-choice.js";

export const T0 = Date.UTC(2026, 0, 15, 12);
export const EUR = (minor: number) => ({ minor, currency: "EUR" });
export const JPY = (minor: number) => ({ minor, currency: "JPY" });

export function walletChoice(card = "1111", region: "eu" | "na" | "jp" = "eu"): ChoiceDetails {
  return choiceDetails(resolveBuyer(region, { card }));
}

/** The reason code of the AmazonError `fn` throws; fails when it does not throw one. */
export function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof AmazonError, String(error));
    return error.reasonCode;
  }
  assert.fail("expected a refusal");
}
