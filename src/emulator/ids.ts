/**
 * Identifiers in Amazon's formats (reference §3; generation rules unconfirmed, the shapes follow
 * the docs' samples). Randomness is injected so tests can fix it.
 */
import { randomInt, randomUUID } from "node:crypto";
import type { Environment } from "./state/common.js";

export interface RandomSource {
  /** Integer in [0, max). */
  int(max: number): number;
  uuid(): string;
}

export const cryptoRandom: RandomSource = { int: (max) => randomInt(max), uuid: () => randomUUID() };

const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX = "0123456789abcdef";

export class IdSource {
  constructor(private readonly random: RandomSource = cryptoRandom) {}

  #chars(alphabet: string, length: number): string {
    let text = "";
    for (let i = 0; i < length; i++) text += alphabet[this.random.int(alphabet.length)];
    return text;
  }

  #digits(length: number): string {
    return this.#chars("0123456789", length);
  }

  /** Lower-case UUID v4, e.g. `bd504926-f659-4ad7-a1a9-9a747aaf5275`. */
  checkoutSessionId(): string {
    return this.random.uuid();
  }

  /** A SignIn button click waiting for the buyer (the emulator's own; Amazon shows none). */
  signInId(): string {
    return this.random.uuid();
  }

  /** `S01-5105180-3221187` in sandbox, `P01-…` in live (convention, unconfirmed). */
  chargePermissionId(environment: Environment): string {
    return `${environment === "live" ? "P" : "S"}01-${this.#digits(7)}-${this.#digits(7)}`;
  }

  /** Permission id + `-C` + 6 digits; the sequence makes it unique within the permission. */
  chargeId(chargePermissionId: string, sequence: number): string {
    return `${chargePermissionId}-C${this.#digits(3)}${String(sequence).padStart(3, "0")}`;
  }

  /** Permission id + `-R` + 6 digits. */
  refundId(chargePermissionId: string, sequence: number): string {
    return `${chargePermissionId}-R${this.#digits(3)}${String(sequence).padStart(3, "0")}`;
  }

  /**
   * Permission id + `-B` + 6 digits: the dispute id of the Node SDK's README, which the emulator
   * also gives a chargeback (the IPN's `ObjectId`; Amazon's own format is unconfirmed).
   */
  chargebackId(chargePermissionId: string): string {
    return `${chargePermissionId}-B${this.#digits(6)}`;
  }

  /** 14 upper-case alphanumerics starting with `A`, like `A1XX111XXX111X`. */
  merchantId(): string {
    return `A${this.#chars(UPPER_ALNUM, 13)}`;
  }

  storeId(): string {
    return `amzn1.application-oa2-client.${this.#chars(HEX, 32)}`;
  }

  /**
   * 24 upper-case alphanumerics starting with `A` (so a legacy id never looks like the
   * `SANDBOX`/`LIVE` prefix the SDK tests for); `SANDBOX-`/`LIVE-` prefixed when environment-specific.
   */
  publicKeyId(environment: Environment | null): string {
    const core = `A${this.#chars(UPPER_ALNUM, 23)}`;
    return environment === null ? core : `${environment.toUpperCase()}-${core}`;
  }

  buyerToken(): string {
    return `BT${this.#chars(UPPER_ALNUM, 30)}`;
  }
}
