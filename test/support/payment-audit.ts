/**
 * The audit of a load run (crash, fault and process suites, docs/RELIABILITY.md): what the shops
 * were told against Kasse's answers, Kasse's database and the emulator's own records — every
 * charge, capture and refund at Amazon matches Kasse's state, none exists twice, no acknowledged
 * payment is lost, nothing is left open — and every notification the shops must hear arrived.
 * Each check returns what differs, as lines, so one assertion at the end shows them all.
 */
import assert from "node:assert/strict";
import { readAnswer, type ShopCredentials } from "../../src/paygate/client.js";
import { creditNotify } from "../../src/paygate/tables.js";
import type { Queryable } from "../../src/store/database.js";
import type { SeededRandom } from "./seeded-random.js";

/** What a shop was told about one payment: only acknowledged steps count. */
export interface ShopPayment {
  readonly index: number;
  readonly transId: string;
  readonly amount: number;
  readonly txType: "Authorize" | "AuthorizeWithCapture";
  readonly refunds: readonly number[];
  payId?: string;
  completionXid?: string;
  chargeId?: string;
  captureXid?: string;
  readonly refundXids: string[];
}

/** A payment of 10–200 EUR, captured (at once or later) and refunded once or twice. */
export function planPayment(rng: SeededRandom, index: number, prefix: string): ShopPayment {
  const amount = rng.int(1_000, 20_000);
  const first = rng.int(100, Math.floor(amount / 2));
  const refunds = rng.next() < 0.5 ? [first] : [first, rng.int(100, amount - first)];
  return {
    index,
    transId: `${prefix}-${index}`,
    amount,
    txType: rng.next() < 0.7 ? "Authorize" : "AuthorizeWithCapture",
    refunds,
    refundXids: [],
  };
}

/** The fields of inquire.aspx the audit compares. */
export interface Inquiry {
  readonly AmountAuth?: string;
  readonly AmountCap?: string;
  readonly AmountCred?: string;
  readonly LastStatus?: string;
}

/** What inquire must say once everything settled: captured in full, every refund credited. */
export function expectedInquiry(payment: ShopPayment): Inquiry {
  return {
    AmountAuth: String(payment.amount),
    AmountCap: String(payment.amount),
    AmountCred: String(payment.refunds.reduce((sum, amount) => sum + amount, 0)),
    LastStatus: "CREDITED",
  };
}

/** Mismatch lines of inquire's answers against {@link expectedInquiry}. */
export function inquiryMismatches(payment: ShopPayment, got: Inquiry): string[] {
  const picked: Inquiry = {
    AmountAuth: got.AmountAuth,
    AmountCap: got.AmountCap,
    AmountCred: got.AmountCred,
    LastStatus: got.LastStatus,
  };
  const want = expectedInquiry(payment);
  return JSON.stringify(picked) === JSON.stringify(want)
    ? []
    : [
        `payment ${payment.index} ${payment.payId}: inquire ${JSON.stringify(picked)}, expected ${JSON.stringify(want)}`,
      ];
}

/** Every notification the shops must hear: `PayID|XID|event`. */
export function expectedNotifications(payments: readonly ShopPayment[]): Set<string> {
  const expected = new Set<string>();
  for (const payment of payments) {
    expected.add(`${payment.payId}|${payment.completionXid}|completion`);
    if (payment.captureXid) expected.add(`${payment.payId}|${payment.captureXid}|CaptureNotification`);
    for (const xid of payment.refundXids) expected.add(`${payment.payId}|${xid}|CreditNotification`);
  }
  return expected;
}

export interface ReadNotify {
  readonly key: string;
  readonly status: string | undefined;
  /** The gateway incarnation it arrived in (crash runs); 0 where nothing restarts. */
  readonly incarnation: number;
}

/** Decrypts and MAC-checks what the shop received. */
export function readNotifications(
  shop: ShopCredentials,
  received: readonly { readonly body: string; readonly incarnation?: number }[],
): ReadNotify[] {
  return received.map(({ body, incarnation }) => {
    const answer = readAnswer(shop, creditNotify, body);
    assert.ok(answer.ok && answer.macVerified, `unreadable notification ${body}`);
    const { PayID, XID, NotificationType, Status } = answer.values;
    return {
      key: `${PayID}|${XID}|${NotificationType ?? "completion"}`,
      status: Status,
      incarnation: incarnation ?? 0,
    };
  });
}

export interface NotificationAudit {
  readonly missing: string[];
  readonly unexpected: string[];
  readonly notOk: string[];
  /** Keys received more than once by one gateway incarnation: a duplicate, always a bug. */
  readonly sameProcessCopies: string[];
  /** Copies received across restarts (at least once is all HTTP allows). */
  readonly redelivered: number;
}

export function auditNotifications(
  reads: readonly ReadNotify[],
  expected: ReadonlySet<string>,
): NotificationAudit {
  const keys = new Set(reads.map((read) => read.key));
  return {
    missing: [...expected].filter((key) => !keys.has(key)),
    unexpected: [...keys].filter((key) => !expected.has(key)),
    notOk: reads.filter((read) => read.status !== "OK").map((read) => `${read.key}: ${read.status}`),
    sameProcessCopies: [...expected].filter((key) => {
      const incarnations = reads.filter((read) => read.key === key).map((read) => read.incarnation);
      return new Set(incarnations).size !== incarnations.length;
    }),
    redelivered: reads.length - keys.size,
  };
}

interface EmulatorObject {
  readonly kind: string;
  readonly id: string;
  readonly parent_id: string | null;
  readonly state: string;
  readonly record: Record<string, unknown>;
}

interface KassePaymentRow {
  pay_id: string;
  status: string;
  captured: string;
  credited: string;
  credit_pending: string;
  charge_id: string | null;
  actions: Array<{ kind: string; state: string; amount: number }>;
}

/**
 * Kasse's database against the emulator's records for one merchant: one payment, charge
 * permission and charge per acknowledged init; each charge captured once in full; refunds at
 * Amazon, Kasse's credits and the shop's asks equal and all settled; no action, Amazon call or
 * notification left open.
 */
export async function auditStores(
  kasse: Queryable,
  amazon: Queryable,
  merchantId: string,
  payments: readonly ShopPayment[],
): Promise<string[]> {
  const mismatches: string[] = [];
  const [merchant] = await kasse.query<{ amazon_merchant_id: string }>(
    "SELECT amazon_merchant_id FROM merchants WHERE merchant_id = $1",
    [merchantId],
  );
  assert.ok(merchant, `no merchant ${merchantId}`);
  const objects = await amazon.query<EmulatorObject>(
    "SELECT kind, id, parent_id, state, record FROM objects WHERE merchant_id = $1",
    [merchant.amazon_merchant_id],
  );
  const rows = await kasse.query<KassePaymentRow>("SELECT * FROM payments WHERE merchant_id = $1", [
    merchantId,
  ]);
  const kassePayments = new Map(rows.map((row) => [row.pay_id, row]));
  const charges = objects.filter((o) => o.kind === "Charge");
  const refunds = objects.filter((o) => o.kind === "Refund");
  const permissions = objects.filter((o) => o.kind === "ChargePermission");

  if (rows.length !== payments.length)
    mismatches.push(`${rows.length} Kasse payments for ${payments.length} acknowledged inits`);
  if (permissions.length !== payments.length)
    mismatches.push(`${permissions.length} charge permissions at Amazon for ${payments.length} payments`);
  if (charges.length !== payments.length)
    mismatches.push(`${charges.length} charges at Amazon for ${payments.length} payments`);
  for (const payment of payments) {
    const tag = `payment ${payment.index} ${payment.payId}`;
    const row = kassePayments.get(payment.payId as string);
    if (!row) {
      mismatches.push(`${tag}: lost from Kasse's store`);
      continue;
    }
    const charge = charges.find((c) => c.id === row.charge_id);
    if (!charge) {
      mismatches.push(`${tag}: Kasse's charge ${row.charge_id} does not exist at Amazon`);
      continue;
    }
    if (payment.chargeId !== undefined && charge.id !== payment.chargeId)
      mismatches.push(`${tag}: shop was told charge ${payment.chargeId}, Kasse has ${charge.id}`);
    const captured = charge.record.captureAmount as number | null;
    if (charge.state !== "Captured" || captured !== payment.amount || Number(row.captured) !== captured)
      mismatches.push(
        `${tag}: Amazon charge ${charge.state} captured ${captured}, Kasse ${row.status} captured ${row.captured}, shop captured ${payment.amount}`,
      );
    const atAmazonRefunds = refunds.filter(
      (r) => r.parent_id === charge.id || r.record.chargeId === charge.id,
    );
    const amounts = (list: readonly number[]) => JSON.stringify([...list].sort((a, b) => a - b));
    const amazonAmounts = amounts(atAmazonRefunds.map((r) => (r.record.amount as { minor: number }).minor));
    const kasseAmounts = amounts(row.actions.filter((a) => a.kind === "credit").map((a) => a.amount));
    const shopAmounts = amounts(payment.refunds);
    if (amazonAmounts !== shopAmounts || kasseAmounts !== shopAmounts)
      mismatches.push(
        `${tag}: refunds at Amazon ${amazonAmounts}, Kasse credits ${kasseAmounts}, shop asked ${shopAmounts}`,
      );
    const notRefunded = atAmazonRefunds.filter((r) => r.state !== "Refunded");
    if (notRefunded.length > 0)
      mismatches.push(`${tag}: refunds not Refunded at Amazon: ${notRefunded.map((r) => r.state)}`);
    const refundedSum = atAmazonRefunds.reduce(
      (sum, r) => sum + (r.record.amount as { minor: number }).minor,
      0,
    );
    if (Number(row.credited) !== refundedSum || Number(row.credit_pending) !== 0)
      mismatches.push(
        `${tag}: Kasse credited ${row.credited} (pending ${row.credit_pending}), Amazon refunded ${refundedSum}`,
      );
    const open = row.actions.filter((a) => a.state === "inFlight" || a.state === "pending");
    if (open.length > 0)
      mismatches.push(`${tag}: actions still open in Kasse: ${open.map((a) => `${a.kind}:${a.state}`)}`);
  }
  const openOperations = await kasse.query<{ pay_id: string; action: string; state: string }>(
    "SELECT pay_id, action, state FROM operations WHERE merchant_id = $1 AND state IN ('planned', 'sent', 'unknown')",
    [merchantId],
  );
  for (const op of openOperations) mismatches.push(`operation ${op.action} of ${op.pay_id} left ${op.state}`);
  const undelivered = await kasse.query<{ pay_id: string; event: string; status: string }>(
    "SELECT pay_id, event, status FROM notifications WHERE merchant_id = $1 AND status <> 'delivered'",
    [merchantId],
  );
  for (const row of undelivered)
    mismatches.push(`notification ${row.event} of ${row.pay_id} is ${row.status}`);
  return mismatches;
}
