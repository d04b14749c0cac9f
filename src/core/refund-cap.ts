/**
 * Amazon's refund ceiling (reference/amazon-pay-v2.md §4.5, §5.5 "Refund overage"): the refunds of
 * a charge may total at most the captured amount plus min(15 %, 75 EUR/GBP/USD or 8,400 JPY).
 */

/** Absolute overage in minor units, for the currencies Amazon names. */
const ABSOLUTE_OVERAGE: Readonly<Record<string, number>> = {
  EUR: 75_00,
  GBP: 75_00,
  USD: 75_00,
  JPY: 8_400,
};

/**
 * The most that may be refunded in all on `captured` minor units. Currencies Amazon does not name
 * (multi-currency presentment, §11.3) get no overage at all: refunds up to the captured amount
 * are certain to be accepted, anything beyond is a guess we do not make.
 *
 * @example refundCeiling(100_00, "EUR") // 115_00; refundCeiling(1_000_00, "EUR") // 1_075_00
 */
export function refundCeiling(captured: number, currency: string): number {
  const absolute = ABSOLUTE_OVERAGE[currency] ?? 0;
  return captured + Math.min(Math.floor((captured * 15) / 100), absolute);
}
