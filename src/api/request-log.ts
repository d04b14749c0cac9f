/**
 * The JSON API's request log, per merchant (`api_request_log`): method, path without its query
 * string (a query may carry anything), status, duration, who asked and the PayID concerned —
 * never a body or a header. Requests that concern no single merchant (an operator's list across
 * merchants, a refused authentication) are not logged here; the access log has them.
 * Pruned as it grows: rows older than the retention, and beyond the newest `maxPerMerchant`.
 */
import type { FastifyRequest } from "fastify";
import type { Queryable } from "../store/database.js";
import type { Scope } from "./payments-query.js";

export interface RequestLogOptions {
  readonly retentionMs: number;
  readonly maxPerMerchant: number;
}

export const DEFAULT_REQUEST_LOG: RequestLogOptions = {
  retentionMs: 30 * 86_400_000,
  maxPerMerchant: 10_000,
};

/** One in this many inserts prunes: pruning on every request would double the writes. */
const PRUNE_EVERY = 100;

declare module "fastify" {
  interface FastifyRequest {
    /** The merchant and PayID a JSON API request concerned, for the request log. */
    apiSubject?: { merchantId?: string; payId?: string };
  }
}

/** Notes what a request concerned; the last word wins (a route learns the payment's merchant). */
export function noteSubject(request: FastifyRequest, subject: { merchantId?: string; payId?: string }): void {
  request.apiSubject = { ...request.apiSubject, ...subject };
  // The gateway's access log line names them too.
  request.accessFacts = {
    ...request.accessFacts,
    ...(request.apiSubject.merchantId === undefined ? {} : { merchant: request.apiSubject.merchantId }),
    ...(request.apiSubject.payId === undefined ? {} : { payId: request.apiSubject.payId }),
  };
}

export class RequestLog {
  #inserts = 0;

  constructor(
    private readonly db: Queryable,
    private readonly options: RequestLogOptions = DEFAULT_REQUEST_LOG,
  ) {}

  async record(
    entry: {
      readonly merchantId: string;
      readonly method: string;
      readonly path: string;
      readonly status: number;
      readonly durationMs: number;
      readonly actor: string;
      readonly payId?: string | undefined;
    },
    now: number,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO api_request_log (merchant_id, method, path, status_code, duration_ms, actor, pay_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        entry.merchantId,
        entry.method,
        entry.path.split("?")[0]?.slice(0, 500),
        entry.status,
        Math.round(entry.durationMs),
        entry.actor,
        entry.payId ?? null,
        now,
      ],
    );
    this.#inserts += 1;
    if (this.#inserts % PRUNE_EVERY === 0) await this.prune(entry.merchantId, now);
  }

  async prune(merchantId: string, now: number): Promise<void> {
    await this.db.query("DELETE FROM api_request_log WHERE merchant_id = $1 AND created_at < $2", [
      merchantId,
      now - this.options.retentionMs,
    ]);
    await this.db.query(
      `DELETE FROM api_request_log WHERE merchant_id = $1 AND log_id <= (
         SELECT log_id FROM api_request_log WHERE merchant_id = $1 ORDER BY log_id DESC OFFSET $2 LIMIT 1)`,
      [merchantId, this.options.maxPerMerchant],
    );
  }

  async list(
    scope: Scope,
    page: { readonly before?: number | undefined; readonly limit: number },
  ): Promise<
    Array<{
      logId: number;
      merchantId: string;
      method: string;
      path: string;
      status: number;
      durationMs: number;
      actor: string;
      payId: string | null;
      at: string;
    }>
  > {
    const rows = await this.db.query<{
      log_id: number | string;
      merchant_id: string;
      method: string;
      path: string;
      status_code: number;
      duration_ms: number;
      actor: string;
      pay_id: string | null;
      created_at: number | string;
    }>(
      `SELECT log_id, merchant_id, method, path, status_code, duration_ms, actor, pay_id, created_at
       FROM api_request_log WHERE ($1::text IS NULL OR merchant_id = $1) AND ($2::bigint IS NULL OR log_id < $2)
       ORDER BY log_id DESC LIMIT $3`,
      ["merchantId" in scope ? scope.merchantId : null, page.before ?? null, page.limit],
    );
    return rows.map((row) => ({
      logId: Number(row.log_id),
      merchantId: row.merchant_id,
      method: row.method,
      path: row.path,
      status: row.status_code,
      durationMs: row.duration_ms,
      actor: row.actor,
      payId: row.pay_id,
      at: new Date(Number(row.created_at)).toISOString(),
    }));
  }
}
