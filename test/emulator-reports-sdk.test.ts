import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import { createTargetDispatchers } from "../src/amazon/sns-http.js";
import type { RunningEmulator } from "../src/emulator/index.js";
import {
  advanceClock,
  checkoutUntilResult,
  createMerchant,
  failure,
  headers,
  type SdkClient,
  type SdkResponse,
  sdkClient,
  startTestEmulator,
  type TestMerchant,
} from "./emulator-sdk-support.js";

type Call = (...args: unknown[]) => Promise<SdkResponse>;
/** The Reports methods of the official SDK's WebStoreClient. */
interface ReportsClient extends SdkClient {
  getReports: Call;
  getReportById: Call;
  createReport: Call;
  getReportDocument: Call;
  getReportSchedules: Call;
  getReportScheduleById: Call;
  createReportSchedule: Call;
  cancelReportSchedule: Call;
}

const SANDBOX_SETTLEMENT = "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA_";
const dispatchers = createTargetDispatchers({ timeoutMs: 10_000 });
let emulator: RunningEmulator;
let merchant: TestMerchant;
let client: ReportsClient;

before(async () => {
  emulator = await startTestEmulator();
  merchant = await createMerchant(emulator, { region: "eu" });
  client = sdkClient(emulator, merchant, { algorithm: "AMZN-PAY-RSASSA-PSS-V2" }) as ReportsClient;
});
after(async () => {
  await emulator.close();
  await dispatchers.close();
});

async function capturedPayment(amount: string): Promise<string> {
  const price = { amount, currencyCode: "EUR" };
  const id = await checkoutUntilResult(emulator, client, merchant, {
    paymentIntent: "AuthorizeWithCapture",
    chargeAmount: price,
  });
  const completed = await client.completeCheckoutSession(id, { chargeAmount: price });
  assert.equal(completed.status, 200);
  const charge = await client.getCharge(completed.data.chargeId);
  assert.equal(charge.data.statusDetails.state, "Captured");
  return charge.data.chargeId as string;
}

async function download(url: string): Promise<{ status: number; bytes: Buffer; type: string }> {
  const target = new URL(url);
  const response = await request(target, { dispatcher: dispatchers.forUrl(target) });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, bytes, type: String(response.headers["content-type"]) };
}

describe("settlement reports through the official SDK", () => {
  it("lists the day's settlement once the emulated day is over, and serves its file", async () => {
    const chargeId = await capturedPayment("100.00");
    const before = await client.getReports();
    assert.equal(before.status, 200);
    assert.deepEqual(before.data.reports, []);

    await advanceClock(emulator, 86_400);
    const listed = await client.getReports({ reportTypes: [SANDBOX_SETTLEMENT], pageSize: 10 });
    assert.equal(listed.status, 200);
    assert.equal(listed.data.reports.length, 1);
    const [report] = listed.data.reports;
    assert.equal(report.processingStatus, "COMPLETED");
    assert.match(report.createdTime, /^\d{8}T000000Z$/);

    const byId = await client.getReportById(report.reportId);
    assert.deepEqual(byId.data, report);
    const document = await client.getReportDocument(report.reportDocumentId);
    assert.equal(document.status, 200);
    assert.deepEqual(Object.keys(document.data), ["reportDocumentId", "url", "compressionAlgorithm"]);
    assert.equal(document.data.compressionAlgorithm, "N/A");

    const file = await download(document.data.url);
    assert.equal(file.status, 200);
    assert.equal(file.type, "text/csv; charset=UTF-8");
    assert.deepEqual([...file.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = file.bytes.toString("utf8");
    assert.match(text, new RegExp(`"SellerId","${merchant.merchantId}"\\n`));
    assert.match(
      text,
      new RegExp(`"${chargeId}","[^"]*","Capture",.*"EUR","","100.00","-1.90","-0.35","-2.25","97.75"\\n`),
    );
    assert.match(text, /"Transfer",.*"-97.75","0","0","0","-97.75"\n$/);

    const forged = new URL(document.data.url);
    forged.searchParams.set("Expires", String(Number(forged.searchParams.get("Expires")) + 1));
    assert.equal((await download(forged.toString())).status, 403);
  });

  it("creates a sandbox settlement report on request", async () => {
    await capturedPayment("19.99");
    const now = new Date(String((await emulator.app.inject({ url: "/__admin/clock" })).json().now));
    const start = new Date(now.getTime() - 3_600_000);
    const compact = (date: Date) =>
      date
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d{3}/, "");
    const created = await client.createReport(
      {
        reportType: SANDBOX_SETTLEMENT,
        startTime: compact(start),
        endTime: compact(new Date(now.getTime() + 1_000)),
      },
      headers(),
    );
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.data), ["reportId"]);
    const report = await client.getReportById(created.data.reportId);
    assert.equal(report.data.processingStatus, "COMPLETED");
    const document = await client.getReportDocument(report.data.reportDocumentId);
    const text = (await download(document.data.url)).bytes.toString("utf8");
    assert.match(text, /"19.99","-0.38","-0.35","-0.73","19.26"\n/);
  });

  it("answers Amazon's 400s for bad parameters and keeps report schedules", async () => {
    for (const query of [
      { pageSize: 0 },
      { pageSize: 101 },
      { reportTypes: "_GET_NOTHING_" },
      { createdSince: "x" },
    ]) {
      const refused = await failure(client.getReports(query));
      assert.deepEqual(
        [refused.status, refused.reasonCode],
        [400, "InvalidParameterValue"],
        JSON.stringify(query),
      );
    }
    const combined = await failure(client.getReports({ nextToken: "abc", pageSize: 5 }));
    assert.deepEqual([combined.status, combined.reasonCode], [400, "InvalidParameterCombination"]);
    const settlement = await failure(
      client.createReport(
        {
          reportType: "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SETTLEMENT_DATA_",
          startTime: "20260101T000000Z",
          endTime: "20260102T000000Z",
        },
        headers(),
      ),
    );
    assert.deepEqual([settlement.status, settlement.reasonCode], [400, "InvalidParameterValue"]);

    const type = "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_REFUND_DATA_";
    const schedule = await client.createReportSchedule(
      { reportType: type, scheduleFrequency: "P1D" },
      headers(),
    );
    assert.equal(schedule.status, 201);
    const { reportScheduleId } = schedule.data;
    const listed = await client.getReportSchedules(type);
    assert.deepEqual(
      listed.data.reportSchedules.map((s: { reportScheduleId: string }) => s.reportScheduleId),
      [reportScheduleId],
    );
    assert.equal((await client.getReportScheduleById(reportScheduleId)).data.scheduleFrequency, "P1D");
    const again = await failure(
      client.createReportSchedule({ reportType: type, scheduleFrequency: "PT12H" }, headers()),
    );
    assert.equal(again.status, 400);
    const replaced = await client.createReportSchedule(
      { reportType: type, scheduleFrequency: "PT12H", deleteExistingSchedule: true },
      headers(),
    );
    assert.equal((await client.cancelReportSchedule(replaced.data.reportScheduleId)).status, 200);
    assert.deepEqual((await client.getReportSchedules()).data.reportSchedules, []);
  });
});
