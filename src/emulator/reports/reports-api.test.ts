import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Fastify from "fastify";
import type { Database } from "../../store/database.js";
import { openEmulatorTestDatabase } from "../ipn/test-database.js";
import { answerReportRequest, reportOperationOf, setUpReports } from "./index.js";
import { SANDBOX_SETTLEMENT_REPORT } from "./report-types.js";
import type { ReportCaller, ReportsService } from "./reports-service.js";

const caller: ReportCaller = { merchantId: "A1REPORTSAPI01", environment: "sandbox" };
const NOW = Date.UTC(2026, 3, 2);
const app = Fastify();
let db: Database;
let service: ReportsService;

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
  service = setUpReports(app, {
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
  const answer = await answerReportRequest(service, caller, { method, path, query, body });
  assert.ok(answer, `${method} ${path} is a Reports route`);
  return answer;
}

describe("answerReportRequest", () => {
  it("names the SDK's operations and ignores other resources", () => {
    assert.equal(reportOperationOf("GET", "reports"), "getReports");
    assert.equal(reportOperationOf("GET", "reports/123/"), "getReportById");
    assert.equal(reportOperationOf("POST", "reports"), "createReport");
    assert.equal(reportOperationOf("GET", "report-documents/amzn1.tortuga.0.x.1"), "getReportDocument");
    assert.equal(reportOperationOf("GET", "report-schedules"), "getReportSchedules");
    assert.equal(reportOperationOf("GET", "report-schedules/1"), "getReportScheduleById");
    assert.equal(reportOperationOf("POST", "report-schedules"), "createReportSchedule");
    assert.equal(reportOperationOf("DELETE", "report-schedules/1"), "cancelReportSchedule");
    assert.equal(reportOperationOf("GET", "charges/1"), undefined);
    assert.equal(reportOperationOf("DELETE", "reports/1"), undefined);
    assert.equal(reportOperationOf("GET", "reports/1/extra"), undefined);
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
