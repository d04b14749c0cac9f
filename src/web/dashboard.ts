/**
 * The dashboard: volume and outcomes per day of the payments the principal may see, as a uPlot
 * chart (fed by `dashboard.json`) and the same figures as a table (for screen readers and
 * without JavaScript). A read model over the payments table, scoped to the merchant for
 * merchant users; days are UTC.
 */
import type { FastifyInstance } from "fastify";
import type { Clock } from "../core/clock.js";
import { html } from "../http/html.js";
import type { Database } from "../store/database.js";
import { BASE, page } from "./layout.js";
import { pageContext, principal } from "./request-context.js";
import { sendPage } from "./security-headers.js";

const DAYS = 14;
const DAY_MS = 86_400_000;

export interface DayFigures {
  readonly day: string;
  /** Authorised amount in minor units (mixed currencies are summed as they are: a demo figure). */
  readonly volume: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly open: number;
}

const SUCCEEDED = ["Authorized", "CapturePending", "Captured"];
const FAILED = ["Failed", "Canceled"];

export async function dayFigures(db: Database, now: number, merchantId?: string): Promise<DayFigures[]> {
  const firstDay = Math.floor(now / DAY_MS) * DAY_MS - (DAYS - 1) * DAY_MS;
  const rows = await db.query<{
    day: string | number;
    status: string;
    n: string | number;
    volume: string | number;
  }>(
    `SELECT floor(created_at / ${DAY_MS}) AS day, status, count(*) AS n, coalesce(sum(authorized), 0) AS volume
     FROM payments WHERE created_at >= $1 ${merchantId === undefined ? "" : "AND merchant_id = $2"}
     GROUP BY 1, 2`,
    merchantId === undefined ? [firstDay] : [firstDay, merchantId],
  );
  const days = Array.from({ length: DAYS }, (_, index) => {
    const start = firstDay + index * DAY_MS;
    return {
      key: start / DAY_MS,
      day: new Date(start).toISOString().slice(0, 10),
      volume: 0,
      succeeded: 0,
      failed: 0,
      open: 0,
    };
  });
  for (const row of rows) {
    const day = days.find((candidate) => candidate.key === Number(row.day));
    if (!day) continue;
    const count = Number(row.n);
    day.volume += Number(row.volume);
    if (SUCCEEDED.includes(row.status)) day.succeeded += count;
    else if (FAILED.includes(row.status)) day.failed += count;
    else day.open += count;
  }
  return days.map(({ key: _key, ...figures }) => figures);
}

export async function dashboardRoutes(
  app: FastifyInstance,
  options: { db: Database; clock: Clock },
): Promise<void> {
  const figures = (merchantId?: string) => dayFigures(options.db, options.clock.now(), merchantId);
  const scopeOf = (who: ReturnType<typeof principal>) =>
    who.kind === "merchant" ? who.merchantId : undefined;

  app.get("/dashboard.json", async (request, reply) => {
    reply.header("cache-control", "no-store");
    return { days: await figures(scopeOf(principal(request))) };
  });

  app.get("/", async (request, reply) => {
    const context = pageContext(request);
    const { t } = context;
    const days = await figures(scopeOf(principal(request)));
    const labels = {
      volume: t("dashboard.volume"),
      succeeded: t("dashboard.succeeded"),
      failed: t("dashboard.failed"),
      open: t("dashboard.open"),
    };
    const body = html`<h1>${t("dashboard.title")}</h1>
<section class="card" aria-labelledby="chart-title"><h2 id="chart-title">${t("dashboard.chart", { days: DAYS })}</h2>
<div id="chart" class="chart" data-source="${BASE}/dashboard.json" data-labels="${JSON.stringify(labels)}"></div></section>
<section class="card"><h2>${t("dashboard.table")}</h2><div class="table-wrap"><table id="day-table">
<thead><tr><th>${t("dashboard.day")}</th><th class="num">${labels.volume}</th><th class="num">${labels.succeeded}</th><th class="num">${labels.failed}</th><th class="num">${labels.open}</th></tr></thead>
<tbody>${days
      .filter((day) => day.succeeded + day.failed + day.open > 0)
      .map(
        (day) =>
          html`<tr><td>${day.day}</td><td class="num">${(day.volume / 100).toFixed(2)}</td><td class="num">${day.succeeded}</td><td class="num">${day.failed}</td><td class="num">${day.open}</td></tr>`,
      )}</tbody></table></div></section>`;
    return sendPage(reply, page(context, t("dashboard.title"), body, { scripts: ["dashboard.js"] }));
  });
}
