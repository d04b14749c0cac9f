/**
 * How the engine's records are loaded and saved: a Checkout Session on its own, a Charge
 * Permission with its Charges and Refunds as one family (locked together, `loadFamilyRows`).
 * Loading applies every due timer and saves what it changed, so a reader never sees a state
 * that time has already moved on from.
 */
import type { ChargePermission, CheckoutSession } from "../../amazon/wire.js";
import { notFound } from "../errors.js";
import { type ChargeRecord, chargeDueAt, renderCharge } from "../state/charge.js";
import { type PermissionRecord, permissionDueAt, renderPermission } from "../state/charge-permission.js";
import {
  isRetained,
  renderSession,
  type SessionRecord,
  sessionDueAt,
  tickSession,
} from "../state/checkout-session.js";
import type { Notice } from "../state/common.js";
import { type Family, tickFamily } from "../state/family.js";
import { type RefundRecord, refundDueAt, renderRefund } from "../state/refund.js";
import { deleteObject, loadFamilyRows, loadObject, saveObject } from "../store/repository.js";
import { type ApiContext, releaseEnvironment, type Work } from "./work.js";

/** Which records of a family a change touched (only those are written), or all of them. */
export type Changed = ReadonlySet<string> | "all";

export class Records {
  constructor(
    /** The `amazonPayRedirectUrl` of a session (the emulator's own page). */
    private readonly redirectUrl: (sessionId: string) => string,
  ) {}

  // ─── Checkout Sessions ────────────────────────────────────────────────────────────────────

  renderSession(session: SessionRecord): CheckoutSession {
    return renderSession(session, this.redirectUrl(session.id), releaseEnvironment(session.environment));
  }

  async saveSession(work: Work, session: SessionRecord): Promise<void> {
    await saveObject(work.tx, {
      kind: "CheckoutSession",
      id: session.id,
      merchantId: session.merchantId,
      environment: session.environment,
      parentId: null,
      state: session.status.state,
      record: session,
      body: this.renderSession(session),
      dueAt: sessionDueAt(session),
      createdAt: session.createdAt,
      updatedAt: work.now,
    });
  }

  /** A session visible to the caller (`context` undefined: the buyer side), locked, timers applied. */
  async session(work: Work, id: string, context: ApiContext | undefined): Promise<SessionRecord> {
    const stored = await loadObject<SessionRecord>(work.tx, "CheckoutSession", id, true);
    if (
      stored === undefined ||
      !isRetained(stored.record, work.now) ||
      (context !== undefined &&
        (stored.merchantId !== context.merchant.merchantId || stored.environment !== context.environment))
    ) {
      // A session past retention is gone even before the sweep deleted its row.
      throw notFound("Checkout Session", id);
    }
    const ticked = tickSession(stored.record, work.now);
    if (ticked !== stored.record) await this.saveSession(work, ticked);
    return ticked;
  }

  /** A session's timers in the sweep: expiry, or deletion once past retention (§4.2). */
  async sweepSession(work: Work, id: string): Promise<void> {
    const stored = await loadObject<SessionRecord>(work.tx, "CheckoutSession", id, true);
    if (stored === undefined) return;
    if (isRetained(stored.record, work.now)) await this.session(work, id, undefined);
    else await deleteObject(work.tx, "CheckoutSession", id);
  }

  // ─── Charge Permission families ───────────────────────────────────────────────────────────

  renderPermission(family: Family, now: number): ChargePermission {
    return renderPermission(
      family.permission,
      family.charges,
      now,
      releaseEnvironment(family.permission.environment),
    );
  }

  /** Saves the records of `family` that `changed` names, and enqueues the IPNs of the change. */
  async saveFamily(work: Work, family: Family, changed: Changed, notices: readonly Notice[]): Promise<void> {
    const { permission } = family;
    const release = releaseEnvironment(permission.environment);
    const common = {
      merchantId: permission.merchantId,
      environment: permission.environment,
      updatedAt: work.now,
    };
    const touched = (id: string) => changed === "all" || changed.has(id);
    // One row per record of the family: the record for the engine, the rendered body (only for
    // the records that changed) for other readers.
    const rows = [
      {
        kind: "ChargePermission" as const,
        record: permission,
        parentId: null,
        render: () => renderPermission(permission, family.charges, work.now, release),
        dueAt: permissionDueAt(permission),
      },
      ...family.charges.map((charge) => ({
        kind: "Charge" as const,
        record: charge,
        parentId: permission.id,
        render: () => renderCharge(charge, release),
        dueAt: chargeDueAt(charge),
      })),
      ...family.refunds.map((refund) => ({
        kind: "Refund" as const,
        record: refund,
        parentId: permission.id,
        render: () => renderRefund(refund, release),
        dueAt: refundDueAt(refund),
      })),
    ];
    for (const { kind, record, parentId, render, dueAt } of rows) {
      if (!touched(record.id)) continue;
      await saveObject(work.tx, {
        ...common,
        kind,
        id: record.id,
        parentId,
        state: record.status.state,
        record,
        body: render(),
        dueAt,
        createdAt: record.createdAt,
      });
    }
    await work.enqueue(permission.merchantId, permission.environment, notices);
  }

  /** A permission's family, locked, every due timer applied and saved; undefined if none. */
  async anyFamily(work: Work, chargePermissionId: string): Promise<Family | undefined> {
    const rows = await loadFamilyRows(work.tx, chargePermissionId);
    return rows.length === 0 ? undefined : this.#ticked(work, rowsToFamily(rows));
  }

  /** A permission's family visible to the caller (else 404, before any timer runs), timers applied. */
  async family(work: Work, chargePermissionId: string, context: ApiContext): Promise<Family> {
    const rows = await loadFamilyRows(work.tx, chargePermissionId);
    const head = rows[0];
    if (
      head === undefined ||
      head.merchantId !== context.merchant.merchantId ||
      head.environment !== context.environment
    ) {
      throw notFound("Charge Permission", chargePermissionId);
    }
    return this.#ticked(work, rowsToFamily(rows));
  }

  async #ticked(work: Work, family: Family): Promise<Family> {
    const ticked = tickFamily(family, work.now);
    if (ticked.changed.size > 0) await this.saveFamily(work, ticked.family, ticked.changed, ticked.notices);
    return ticked.family;
  }

  /** The family that holds a Charge or Refund, found through the child's parent id. */
  async familyOf(work: Work, kind: "Charge" | "Refund", id: string, context: ApiContext): Promise<Family> {
    const stored = await loadObject(work.tx, kind, id);
    if (
      stored === undefined ||
      stored.parentId === null ||
      stored.merchantId !== context.merchant.merchantId ||
      stored.environment !== context.environment
    ) {
      throw notFound(kind, id);
    }
    return this.family(work, stored.parentId, context);
  }
}

function rowsToFamily(rows: readonly { kind: string; record: unknown }[]): Family {
  const records = <R>(kind: string) => rows.filter((row) => row.kind === kind).map((row) => row.record as R);
  return {
    permission: records<PermissionRecord>("ChargePermission")[0] as PermissionRecord,
    charges: records<ChargeRecord>("Charge"),
    refunds: records<RefundRecord>("Refund"),
  };
}

export function chargeIn(family: Family, id: string): ChargeRecord {
  const charge = family.charges.find((item) => item.id === id);
  if (charge === undefined) throw notFound("Charge", id);
  return charge;
}
