import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../../core/clock.js";
import { AmazonError } from "../errors.js";
import { emptyTables, openEmulatorTestDatabase } from "../ipn/test-database.js";
import { SANDBOX_SETTLEMENT_REPORT, SETTLEMENT_REPORT } from "./report-types.js";
import { type ReportCaller, ReportsService } from "./reports-service.js";

const DAY = 86_400_000;
const DAY1 = Date.UTC(2026, 2, 10);
const sandbox: ReportCaller = { merchantId: "A1REPORTS00001", environment: "sandbox" };
const live: ReportCaller = { merchantId: "A1REPORTS00001", environment: "live" };
const stranger: ReportCaller = { merchantId: "A1REPORTS00002", environment: "sandbox" };

let db: Awaited<ReturnType<typeof openEmulatorTestDatabase>>;
let now = DAY1;
const realClock = new ManualClock(Date.UTC(2026, 0, 1));
let service: ReportsService;

async function capture(
  id: string,
  at: number,
  minor: number,
  environment = "sandbox",
  reference: string | null = null,
) {
  const record = {
    id,
    chargePermissionId: id.slice(0, 19),
    amount: { minor, currency: "EUR" },
    captureAmount: minor,
    merchantMetadata: { merchantReferenceId: reference },
    status: { state: "Captured", lastUpdated: at },
  };
  await db.query(
    `insert into objects (kind, id, merchant_id, environment, state, record, body, created_at, updated_at)
     values ('Charge', $1, $2, $3, 'Captured', $4, '{}', $5, $5)`,
    [id, sandbox.merchantId, environment, JSON.stringify(record), at],
  );
}

async function refund(id: string, chargeId: string, at: number, minor: number) {
  const record = {
    id,
    chargeId,
    chargePermissionId: chargeId.slice(0, 19),
    amount: { minor, currency: "EUR" },
    status: { state: "Refunded", lastUpdated: at },
  };
  await db.query(
    `insert into objects (kind, id, merchant_id, environment, state, record, body, created_at, updated_at)
     values ('Refund', $1, $2, 'sandbox', 'Refunded', $3, '{}', $4, $4)`,
    [id, sandbox.merchantId, JSON.stringify(record), at],
  );
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AmazonError, String(error));
    return `${error.status} ${error.reasonCode}`;
  }
  assert.fail("accepted");
}

async function download(caller: ReportCaller, documentId: string): Promise<string | undefined> {
  const { url } = await service.getReportDocument(caller, documentId);
  const link = new URL(url);
  const id = decodeURIComponent(link.pathname.split("/").at(-1) ?? "");
  const bytes = await service.documentForLink(
    id,
    link.searchParams.get("Expires") ?? "",
    link.searchParams.get("Signature") ?? "",
  );
  return bytes?.toString("utf8");
}

before(async () => {
  db = await openEmulatorTestDatabase();
  service = new ReportsService({
    db,
    emulatedNow: async () => now,
    realClock,
    publicOrigin: () => "https://127.0.0.1:8444",
    linkSecret: Buffer.from("test secret"),
  });
});

after(async () => {
  await db.close();
});

beforeEach(async () => {
  now = DAY1;
  await emptyTables(db, ["reports", "report_schedules", "objects", "merchants"]);
  for (const caller of [sandbox, stranger]) {
    await db.query(
      `insert into merchants (merchant_id, region, ledger_currency, name, store_id)
       values ($1, 'eu', 'EUR', 'Demo Store', $1 || '-store')`,
      [caller.merchantId],
    );
  }
});

describe("settlement reports per emulated day", () => {
  it("appears once the day has closed, with captures, refunds, fees and the payout", async () => {
    await capture("S02-1111111-2222222-C000001", DAY1 + 9 * 3_600_000, 10_000, "sandbox", "order-1");
    await refund("S02-1111111-2222222-R000001", "S02-1111111-2222222-C000001", DAY1 + 10 * 3_600_000, 2_500);
    now = DAY1 + 12 * 3_600_000;
    assert.deepEqual((await service.listReports(sandbox, {})).reports, []);

    now = DAY1 + DAY + 1;
    const { reports } = await service.listReports(sandbox, {});
    assert.equal(reports.length, 1);
    const [report] = reports;
    assert.ok(report);
    assert.deepEqual(Object.keys(report), [
      "createdTime",
      "endTime",
      "processingEndTime",
      "processingStartTime",
      "processingStatus",
      "reportDocumentId",
      "reportId",
      "reportType",
      "startTime",
    ]);
    assert.equal(report.reportType, SANDBOX_SETTLEMENT_REPORT);
    assert.equal(report.processingStatus, "COMPLETED");
    assert.equal(report.startTime, "20260310T000000Z");
    assert.equal(report.endTime, "20260311T000000Z");
    assert.equal(report.createdTime, "20260311T000000Z");
    assert.deepEqual(await service.getReport(sandbox, report.reportId), report);

    const csv = (await download(sandbox, report.reportDocumentId as string)) ?? "";
    assert.ok(
      csv.startsWith(
        '\uFEFF"Amazon Payments Advanced",\n"Settlement Report",\n"SellerId","A1REPORTS00001"\n',
      ),
    );
    assert.match(
      csv,
      /"Capture","S02-1111111-2222222","order-1","Demo Store","EUR","","100.00","-1.90","-0.35","-2.25","97.75"\n/,
    );
    assert.match(
      csv,
      /"Refund","S02-1111111-2222222","order-1","Demo Store","EUR","","-25.00","0.48","0","0.48","-24.52"\n/,
    );
    assert.match(
      csv,
      /"Transfer","","","Demo Store","EUR","Disbursement to bank account","-73.23","0","0","0","-73.23"\n$/,
    );

    now += 5 * DAY;
    assert.equal((await service.listReports(sandbox, {})).reports.length, 1, "produced once, deterministic");
    assert.equal(await download(sandbox, report.reportDocumentId as string), csv);
  });

  it("skips days without transactions and lists newest first; live settles apart from sandbox", async () => {
    await capture("S02-1111111-2222222-C000001", DAY1 + 1_000, 1_000);
    await capture("S02-3333333-4444444-C000001", DAY1 + 3 * DAY + 1_000, 2_000);
    await capture("P02-5555555-6666666-C000001", DAY1 + 2_000, 3_000, "live");
    now = DAY1 + 10 * DAY;
    const sandboxReports = (await service.listReports(sandbox, {})).reports;
    assert.deepEqual(
      sandboxReports.map((r) => r.startTime),
      ["20260313T000000Z", "20260310T000000Z"],
    );
    const liveReports = (await service.listReports(live, {})).reports;
    assert.deepEqual(
      liveReports.map((r) => [r.reportType, r.startTime]),
      [[SETTLEMENT_REPORT, "20260310T000000Z"]],
    );
    assert.deepEqual((await service.listReports(stranger, {})).reports, []);
    assert.equal(
      await refusal(service.getReport(stranger, sandboxReports[0]?.reportId ?? "")),
      "404 ResourceNotFound",
    );
    assert.equal(
      await refusal(service.getReportDocument(stranger, sandboxReports[0]?.reportDocumentId ?? "")),
      "404 ResourceNotFound",
    );
  });

  it("pages with a nextToken that must come alone", async () => {
    for (let day = 0; day < 3; day += 1)
      await capture(`S02-1111111-222222${day}-C000001`, DAY1 + day * DAY, 1_000);
    now = DAY1 + 5 * DAY;
    const first = await service.listReports(sandbox, { pageSize: "2" });
    assert.equal(first.reports.length, 2);
    assert.ok(first.nextToken);
    const second = await service.listReports(sandbox, { nextToken: first.nextToken });
    assert.equal(second.reports.length, 1);
    assert.equal(second.nextToken, undefined);
    const ids = [...first.reports, ...second.reports].map((r) => r.reportId);
    assert.equal(new Set(ids).size, 3);
    assert.equal(
      await refusal(service.listReports(sandbox, { nextToken: first.nextToken, pageSize: "2" })),
      "400 InvalidParameterCombination",
    );
    assert.equal(
      await refusal(service.listReports(sandbox, { nextToken: `${first.nextToken}x` })),
      "400 InvalidParameterValue",
    );
    assert.equal(
      await refusal(service.listReports(stranger, { nextToken: first.nextToken })),
      "400 InvalidParameterValue",
    );
  });

  it("filters by type, status and creation time", async () => {
    await capture("S02-1111111-2222222-C000001", DAY1, 1_000);
    await capture("S02-1111111-2222223-C000001", DAY1 + 2 * DAY, 1_000);
    now = DAY1 + 5 * DAY;
    const all = await service.listReports(sandbox, {});
    assert.equal(all.reports.length, 2);
    const since = await service.listReports(sandbox, { createdSince: "20260312T000000Z" });
    assert.deepEqual(
      since.reports.map((r) => r.createdTime),
      ["20260313T000000Z"],
    );
    const until = await service.listReports(sandbox, { createdUntil: "2026-03-12T00:00:00Z" });
    assert.deepEqual(
      until.reports.map((r) => r.createdTime),
      ["20260311T000000Z"],
    );
    assert.equal((await service.listReports(sandbox, { reportTypes: SETTLEMENT_REPORT })).reports.length, 0);
    assert.equal(
      (
        await service.listReports(sandbox, {
          reportTypes: `${SETTLEMENT_REPORT},${SANDBOX_SETTLEMENT_REPORT}`,
        })
      ).reports.length,
      2,
    );
    assert.equal((await service.listReports(sandbox, { processingStatuses: "CANCELLED" })).reports.length, 0);
  });

  it("refuses bad query parameters with Amazon's 400 errors", async () => {
    const bad: Record<string, string>[] = [
      { pageSize: "0" },
      { pageSize: "101" },
      { pageSize: "ten" },
      { pageSize: "1.5" },
      { reportTypes: "_GET_NOTHING_" },
      { processingStatuses: "DONE" },
      { createdSince: "yesterday" },
      { createdUntil: "20261301T000000Z" },
      { createdSince: "20260310T000000Z", createdUntil: "20260309T000000Z" },
      { color: "blue" },
    ];
    for (const query of bad) {
      assert.equal(
        await refusal(service.listReports(sandbox, query)),
        "400 InvalidParameterValue",
        JSON.stringify(query),
      );
    }
  });
});

describe("requested reports", () => {
  it("creates a sandbox settlement for a range: COMPLETED with data, CANCELLED without", async () => {
    await capture("S02-1111111-2222222-C000001", DAY1 + 1_000, 1_000);
    now = DAY1 + 3_600_000;
    const { reportId } = await service.createReport(sandbox, {
      reportType: SANDBOX_SETTLEMENT_REPORT,
      startTime: "20260310T000000Z",
      endTime: "20260310T010000Z",
    });
    const report = await service.getReport(sandbox, reportId);
    assert.equal(report.processingStatus, "COMPLETED");
    assert.equal(report.createdTime, "20260310T010000Z");
    assert.match((await download(sandbox, report.reportDocumentId as string)) ?? "", /"Capture"/);

    const empty = await service.createReport(sandbox, {
      reportType: SANDBOX_SETTLEMENT_REPORT,
      startTime: "2026-03-01T00-00-00Z",
      endTime: "2026-03-02T00-00-00Z",
    });
    const cancelled = await service.getReport(sandbox, empty.reportId);
    assert.deepEqual([cancelled.processingStatus, cancelled.reportDocumentId], ["CANCELLED", null]);
  });

  it("refuses what Amazon refuses", async () => {
    const range = { startTime: "20260301T000000Z", endTime: "20260302T000000Z" };
    const cases: [unknown, string][] = [
      [{ reportType: SETTLEMENT_REPORT, ...range }, "400 InvalidParameterValue"],
      [
        { reportType: "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_CAPTURE_DATA_", ...range },
        "400 InvalidParameterValue",
      ],
      [{ reportType: SANDBOX_SETTLEMENT_REPORT, startTime: range.startTime }, "400 MissingParameterValue"],
      [{ reportType: SANDBOX_SETTLEMENT_REPORT, ...range, extra: 1 }, "400 UnrecognizedField"],
      [{ reportType: SANDBOX_SETTLEMENT_REPORT, ...range, startTime: "soon" }, "400 InvalidParameterValue"],
      [{ reportType: SANDBOX_SETTLEMENT_REPORT, ...range, startTime: 20260301 }, "400 InvalidParameterValue"],
      [
        { reportType: SANDBOX_SETTLEMENT_REPORT, startTime: range.endTime, endTime: range.startTime },
        "400 InvalidParameterValue",
      ],
      [[], "400 InvalidRequestFormat"],
    ];
    for (const [body, expected] of cases) {
      assert.equal(await refusal(service.createReport(sandbox, body)), expected, JSON.stringify(body));
    }
    assert.equal(
      await refusal(service.createReport(live, { reportType: SANDBOX_SETTLEMENT_REPORT, ...range })),
      "400 InvalidParameterValue",
    );
    const liveReport = await service.createReport(live, {
      reportType: "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_REFUND_DATA_",
      ...range,
    });
    assert.equal((await service.getReport(live, liveReport.reportId)).processingStatus, "CANCELLED");
  });

  it("accepts the v1 flat-file transaction types in the sandbox too, CANCELLED (Amazon's SDK suite)", async () => {
    const { reportId } = await service.createReport(sandbox, {
      reportType: "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_AUTHORIZATION_DATA_",
      startTime: "20230618T150630Z",
      endTime: "20230911T150350Z",
    });
    const report = await service.getReport(sandbox, reportId);
    assert.deepEqual(
      [report.reportType, report.processingStatus, report.reportDocumentId],
      ["_GET_FLAT_FILE_OFFAMAZONPAYMENTS_AUTHORIZATION_DATA_", "CANCELLED", null],
    );
  });
});

describe("report documents", () => {
  it("serves a link for 30 real seconds and never a forged one", async () => {
    await capture("S02-1111111-2222222-C000001", DAY1, 1_000);
    now = DAY1 + 2 * DAY;
    const [report] = (await service.listReports(sandbox, {})).reports;
    const document = await service.getReportDocument(sandbox, report?.reportDocumentId as string);
    assert.deepEqual(Object.keys(document), ["reportDocumentId", "url", "compressionAlgorithm"]);
    assert.equal(document.compressionAlgorithm, "N/A");
    const link = new URL(document.url);
    assert.equal(link.origin, "https://127.0.0.1:8444");
    const id = report?.reportDocumentId as string;
    const expires = link.searchParams.get("Expires") as string;
    const signature = link.searchParams.get("Signature") as string;
    assert.ok(await service.documentForLink(id, expires, signature));
    assert.equal(await service.documentForLink(id, String(Number(expires) + 60_000), signature), undefined);
    assert.equal(
      await service.documentForLink(
        id,
        expires,
        signature.replace(/^./, (c) => (c === "a" ? "b" : "a")),
      ),
      undefined,
    );
    realClock.advance(30_001);
    assert.equal(await service.documentForLink(id, expires, signature), undefined);
  });
});

describe("report schedules", () => {
  const type = "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_REFUND_DATA_";

  it("creates, lists, replaces only when told, and cancels", async () => {
    const { reportScheduleId } = await service.createSchedule(live, {
      reportType: type,
      scheduleFrequency: "P1D",
    });
    const schedule = await service.getSchedule(live, reportScheduleId);
    assert.deepEqual(schedule, {
      reportScheduleId,
      reportType: type,
      scheduleFrequency: "P1D",
      nextReportCreationTime: "20260311T000000Z",
    });
    assert.deepEqual((await service.listSchedules(live, type)).reportSchedules, [schedule]);
    assert.deepEqual((await service.listSchedules(live, undefined)).reportSchedules, [schedule]);
    assert.deepEqual((await service.listSchedules(sandbox, undefined)).reportSchedules, []);

    assert.equal(
      await refusal(service.createSchedule(live, { reportType: type, scheduleFrequency: "PT1H" })),
      "400 InvalidRequest",
    );
    const replaced = await service.createSchedule(live, {
      reportType: type,
      scheduleFrequency: "PT1H",
      nextReportCreationTime: "20260401T000000Z",
      deleteExistingSchedule: true,
    });
    assert.equal(await refusal(service.getSchedule(live, reportScheduleId)), "404 ResourceNotFound");
    assert.equal(
      (await service.getSchedule(live, replaced.reportScheduleId)).nextReportCreationTime,
      "20260401T000000Z",
    );
    assert.equal(
      await refusal(service.cancelSchedule(stranger, replaced.reportScheduleId)),
      "404 ResourceNotFound",
    );
    assert.deepEqual(await service.cancelSchedule(live, replaced.reportScheduleId), {});
    assert.equal(
      await refusal(service.cancelSchedule(live, replaced.reportScheduleId)),
      "404 ResourceNotFound",
    );
  });

  it("produces one report per period that passed, and moves a past start forward", async () => {
    const authorizations = "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_AUTHORIZATION_DATA_";
    const { reportScheduleId } = await service.createSchedule(sandbox, {
      reportType: authorizations,
      scheduleFrequency: "PT12H",
      nextReportCreationTime: "20230618T150630Z",
    });
    const schedule = await service.getSchedule(sandbox, reportScheduleId);
    // 2023-06-18T15:06:30Z plus whole 12-hour periods, first one not before now (DAY1 + 12 h).
    assert.match(schedule.nextReportCreationTime, /^20260310T(03|15)0630Z$/);
    assert.deepEqual(Object.keys(schedule), [
      "nextReportCreationTime",
      "reportScheduleId",
      "reportType",
      "scheduleFrequency",
    ]);
    assert.deepEqual((await service.listReports(sandbox, { reportTypes: authorizations })).reports, []);

    now += 25 * 3_600_000;
    const { reports } = await service.listReports(sandbox, { reportTypes: authorizations });
    assert.equal(reports.length, 2);
    for (const report of reports) {
      assert.equal(report.processingStatus, "CANCELLED");
      assert.equal(report.endTime, report.createdTime);
    }
    assert.notEqual(
      (await service.getSchedule(sandbox, reportScheduleId)).nextReportCreationTime,
      schedule.nextReportCreationTime,
    );
    // Looking again produces nothing new.
    assert.equal((await service.listReports(sandbox, { reportTypes: authorizations })).reports.length, 2);
  });

  it("refuses unknown frequencies, unschedulable types and bad flags", async () => {
    const cases: [unknown, string][] = [
      [{ reportType: type, scheduleFrequency: "P4D" }, "400 InvalidParameterValue"],
      [{ reportType: SETTLEMENT_REPORT, scheduleFrequency: "P1D" }, "400 InvalidParameterValue"],
      [
        { reportType: type, scheduleFrequency: "P1D", deleteExistingSchedule: "yes" },
        "400 InvalidParameterValue",
      ],
      [{ reportType: type }, "400 MissingParameterValue"],
      [{ reportType: type, scheduleFrequency: "P1D", every: 1 }, "400 UnrecognizedField"],
    ];
    for (const [body, expected] of cases) {
      assert.equal(await refusal(service.createSchedule(live, body)), expected, JSON.stringify(body));
    }
    assert.equal(await refusal(service.listSchedules(live, "_GET_NOTHING_")), "400 InvalidParameterValue");
  });
});
