import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Fastify from "fastify";
import type { Database } from "../../store/database.js";
import { matchPath, type OperationContext } from "../api/operation.js";
import { Work } from "../engine/work.js";
import { AmazonError } from "../errors.js";
import { openEmulatorTestDatabase } from "../ipn/test-database.js";
import { REPORT_OPERATIONS, setUpReports } from "./index.js";
import { SANDBOX_SETTLEMENT_REPORT } from "./report-types.js";
import type { ReportCaller } from "./reports-service.js";

const caller: ReportCaller = { merchantId: "A1REPORTSAPI01", environment: "sandbox" };
const NOW = Date.UTC(2026, 3, 2);
const app = Fastify();
let db: Database;
const engine = {};

before(async () => {
  db = await openEmulatorTestDatabase();
  await db.query(
    "insert into merchants (merchant_id, region, ledger_currency, name, store_id) values ($1, 'eu', 'EUR', 'Shop', 's')",
    [caller.merchantId],
  );
  const record = {
    chargePermissionId: "S02-1111111-2222222",
    amount: { minor: 5_000, currency: "EUR" },
    captureAmount: 5_000,
    merchantMetadata: { merchantReferenceId: "o-1" },
    status: { state: "Captured", lastUpdated: NOW - 3_600_000 },
  };
  await db.query(
    `insert into objects (kind, id, merchant_id, environment, state, record, body, created_at, updated_at)
     values ('Charge', 'S02-1111111-2222222-C000001', $1, 'sandbox', 'Captured', $2, '{}', 0, 0)`,
    [caller.merchantId, JSON.stringify(record)],
  );
  setUpReports(app, engine, {
    db,
    emulatedNow: async () => NOW,
    publicOrigin: () => "https://127.0.0.1:8444",
    linkSecret: Buffer.from("secret"),
  });
  await app.ready();
});

after(async () => {
  await app.close();
  await db.close();
});

async function ask(
  method: string,
  path: string,
  query: Record<string, string | string[]> = {},
  body?: unknown,
) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const item of [value].flat()) search.append(name, item);
  }
  for (const operation of REPORT_OPERATIONS) {
    if (operation.method !== method) continue;
    const params = matchPath(operation.path, path.replace(/\/$/, ""));
    if (!params) continue;
    const call = {
      engine,
      work: new Work(db, NOW),
      context: { merchant: { merchantId: caller.merchantId }, environment: caller.environment },
      params,
      query: search,
    } as unknown as OperationContext;
    try {
      return await operation.prepare(body === undefined ? "" : JSON.stringify(body))(call);
    } catch (error) {
      if (error instanceof AmazonError) return { status: error.status, body: error.toBody() };
      throw error;
    }
  }
  assert.fail(`${method} ${path} is no Reports route`);
}

describe("reportOperations", () => {
  it("offers the eight operations the official SDK calls, under Amazon's paths", () => {
    assert.deepEqual(
      REPORT_OPERATIONS.map((operation) => `${operation.name} ${operation.method} ${operation.path}`),
      [
        "getReports GET reports",
        "getReportById GET reports/:id",
        "createReport POST reports",
        "getReportDocument GET report-documents/:id",
        "getReportSchedules GET report-schedules",
        "getReportScheduleById GET report-schedules/:id",
        "createReportSchedule POST report-schedules",
        "cancelReportSchedule DELETE report-schedules/:id",
      ],
    );
  });

  it("answers 201 for creations, 200 otherwise, and Amazon's errors as bodies", async () => {
    const created = await ask(
      "POST",
      "reports",
      {},
      {
        reportType: SANDBOX_SETTLEMENT_REPORT,
        startTime: "20260401T000000Z",
        endTime: "20260402T000000Z",
      },
    );
    assert.equal(created.status, 201);
    const { reportId } = created.body as { reportId: string };
    const fetched = await ask("GET", `reports/${reportId}/`);
    assert.equal(fetched.status, 200);
    assert.equal((fetched.body as { processingStatus: string }).processingStatus, "COMPLETED");
    assert.deepEqual(await ask("GET", "reports", { pageSize: ["1", "2"] }), {
      status: 400,
      body: { reasonCode: "InvalidParameterValue", message: "The value provided for pageSize is invalid." },
    });
    assert.equal((await ask("GET", "reports/unknown")).status, 404);
    const schedule = await ask("POST", "report-schedules", {}, { reportType: "x", scheduleFrequency: "P1D" });
    assert.equal(schedule.status, 400);
  });
});

describe("document links", () => {
  it("serve the CSV bytes with the BOM, and refuse forged links like S3", async () => {
    const list = (await ask("GET", "reports")).body as { reports: { reportDocumentId: string }[] };
    const documentId = list.reports[0]?.reportDocumentId as string;
    const document = (await ask("GET", `report-documents/${documentId}`)).body as { url: string };
    const link = new URL(document.url);
    const answer = await app.inject({ method: "GET", url: `${link.pathname}${link.search}` });
    assert.equal(answer.statusCode, 200);
    assert.equal(answer.headers["content-type"], "text/csv; charset=UTF-8");
    assert.deepEqual([...answer.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.match(answer.body, /"Capture"/);
    link.searchParams.set("Signature", "0".repeat(64));
    const forged = await app.inject({ method: "GET", url: `${link.pathname}${link.search}` });
    assert.equal(forged.statusCode, 403);
    assert.match(forged.body, /AccessDenied/);
  });
});
