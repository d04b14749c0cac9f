/**
 * `/api/v1` accounting (inject) over a real store and the real Accounting, whose Reporting API
 * serves given settlement files: import counts, settlements with their reconciliation, booking
 * rules and preview, the DATEV file (checked by the EXTF validator) and the CSV, merchant
 * isolation and roles, and problem details for bad input. Answers are checked against the
 * schemas the OpenAPI document publishes.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import Fastify, { type FastifyInstance } from "fastify";
import { Accounting } from "../accounting/accounting.js";
import { validateExtf } from "../accounting/extf-validator.js";
import { DAY_MS, FakeReports, SELLER, settlementFile } from "../accounting/test-support.js";
import { ManualClock } from "../core/clock.js";
import { apiGateway } from "../gateway/api-ports.js";
import { GATEWAY_MIGRATIONS_DIR } from "../gateway/index.js";
import { SecretBox } from "../gateway/secrets.js";
import { silentLogger } from "../log.js";
import { MerchantDirectory } from "../merchants/directory.js";
import type { Payments } from "../payments/index.js";
import type { Database } from "../store/database.js";
import { openTestDatabase } from "../store/test-database.js";
import { ImportCounts, PreviewAnswer, RulesAnswer, SettlementReconciliation } from "./accounting-routes.js";
import { createApiKey } from "./api-keys.js";
import { registerApi } from "./index.js";

const ADMIN = "accounting-api-admin-token-0123456789";
const NOW = Date.parse("2026-03-10T10:00:00Z");
const { privateKey: PEM } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

let db: Database;
let app: FastifyInstance;
const clock = new ManualClock(NOW);
const reports = new FakeReports();
const keys: Record<string, string> = {};

interface Answer {
  status: number;
  type: string;
  headers: Record<string, unknown>;
  raw: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: inspected field by field
  body: any;
}

async function call(
  method: "GET" | "POST" | "PUT",
  url: string,
  token: string,
  payload?: unknown,
): Promise<Answer> {
  const response = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  const type = response.headers["content-type"]?.toString() ?? "";
  return {
    status: response.statusCode,
    type,
    headers: response.headers,
    raw: response.rawPayload,
    body: type.includes("json") ? response.json() : undefined,
  };
}

function matches(schema: TSchema, value: unknown): void {
  const errors = [...Value.Errors(schema, value)].map((error) => `${error.path}: ${error.message}`);
  assert.deepEqual(errors, [], JSON.stringify(value));
}

function assertProblem(answer: Answer, status: number, code: string) {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.type, /^application\/problem\+json/);
  assert.equal(answer.body.code, code);
}

const base = (merchantId: string) => `/api/v1/merchants/${merchantId}`;

describe("JSON API: accounting", () => {
  before(async () => {
    db = await openTestDatabase(GATEWAY_MIGRATIONS_DIR);
    const secrets = new SecretBox(randomBytes(32));
    const merchants = new MerchantDirectory({ db, secrets, clock });
    for (const merchantId of ["shop-a", "shop-b"]) {
      await merchants.create({
        merchantId,
        name: merchantId,
        hmacKey: "h".repeat(32),
        blowfishKey: "b".repeat(16),
        amazon: {
          environment: "sandbox",
          region: "eu",
          merchantId: SELLER,
          storeId: "store",
          publicKeyId: "SANDBOX-KEY",
        },
        amazonPrivateKeyPem: PEM,
        settings: {},
      });
    }
    for (const [name, merchantId, role] of [
      ["adminA", "shop-a", "merchantAdmin"],
      ["viewerA", "shop-a", "merchantViewer"],
      ["staffB", "shop-b", "merchantStaff"],
    ] as const) {
      keys[name] = (await createApiKey(db, { merchantId, role, label: name, createdBy: "test" }, NOW)).key;
    }
    const accounting = new Accounting({
      db,
      clock,
      logger: silentLogger(),
      merchant: async (merchantId) => reports.merchant(merchantId, NOW - 5 * DAY_MS),
      downloader: reports,
    });
    reports.add(
      "R1",
      NOW - 3_600_000,
      settlementFile("7000000001", "2026-03-08T00:00:00 +0000", "2026-03-09T12:00:00 +0000", [
        {
          posted: "2026-03-08T10:30:00 +0000",
          id: "S02-C1",
          type: "Capture",
          permission: "S02-P1",
          order: "Bestellung 4711 äöü",
          amount: "100.00",
          pct: "-1.90",
          fixed: "-0.35",
        },
        { posted: "2026-03-09T12:00:00 +0000", type: "Transfer", amount: "-97.75" },
      ]),
    );
    app = Fastify();
    registerApi(app, {
      db,
      clock,
      logger: silentLogger(),
      payments: {} as Payments,
      gateway: apiGateway({
        db,
        clock,
        adminToken: ADMIN,
        merchants,
        secrets,
        recurring: () => undefined,
        wakeNotifications: () => undefined,
        accounting,
      }),
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  it("keeps a merchant's key to its own merchant and a viewer from importing", async () => {
    assertProblem(
      await call("POST", `${base("shop-a")}/settlements/import`, keys.staffB as string),
      404,
      "not_found",
    );
    assertProblem(
      await call("GET", `${base("shop-a")}/settlements`, keys.staffB as string),
      404,
      "not_found",
    );
    assertProblem(
      await call(
        "GET",
        `${base("shop-a")}/exports/datev?from=2026-03-01&to=2026-03-31&chart=SKR03`,
        keys.staffB as string,
      ),
      404,
      "not_found",
    );
    assertProblem(
      await call("POST", `${base("shop-a")}/settlements/import`, keys.viewerA as string),
      403,
      "forbidden",
    );
    assertProblem(
      await call("PUT", `${base("shop-a")}/accounting/rules/SKR03`, keys.viewerA as string, { accounts: {} }),
      403,
      "forbidden",
    );
  });

  it("imports on demand, then lists the settlement reconciled; a second import imports nothing", async () => {
    const first = await call("POST", `${base("shop-a")}/settlements/import`, keys.adminA as string);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    matches(ImportCounts, first.body);
    assert.equal(first.body.imported, 1);
    assert.equal(first.body.lines, 2);
    const again = await call("POST", `${base("shop-a")}/settlements/import`, ADMIN);
    assert.equal(again.body.imported, 0);
    assert.equal(again.body.alreadyImported, 1);
    const listed = await call("GET", `${base("shop-a")}/settlements?limit=10`, keys.viewerA as string);
    assert.equal(listed.status, 200);
    assert.equal(listed.body.settlements.length, 1);
    matches(SettlementReconciliation, listed.body.settlements[0]);
    assert.equal(listed.body.settlements[0].reconciled, true);
    assert.equal(listed.body.settlements[0].net, 0);
    // shop-b has imported nothing: its list shows none of shop-a's.
    const other = await call("GET", `${base("shop-b")}/settlements`, keys.staffB as string);
    assert.deepEqual(other.body.settlements, []);
  });

  it("edits booking rules, refuses a bad account by field, and previews with them", async () => {
    const refused = await call("PUT", `${base("shop-a")}/accounting/rules/SKR03`, keys.adminA as string, {
      accounts: { fees: "49x" },
    });
    assertProblem(refused, 400, "invalid_request");
    assert.equal(refused.body.field, "body.accounts.fees");
    const saved = await call("PUT", `${base("shop-a")}/accounting/rules/SKR03`, keys.adminA as string, {
      accounts: { fees: "4971" },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    matches(RulesAnswer, saved.body);
    const read = await call("GET", `${base("shop-a")}/accounting/rules/SKR03`, keys.viewerA as string);
    assert.equal(read.body.rules.accounts.fees, "4971");
    assert.equal(read.body.version, saved.body.version);
    const preview = await call("POST", `${base("shop-a")}/accounting/preview`, keys.viewerA as string, {
      chart: "SKR03",
      settlementId: "7000000001",
    });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    matches(PreviewAnswer, preview.body);
    const fee = preview.body.bookings.find((booking: { kind: string }) => booking.kind === "fee");
    assert.deepEqual([fee.konto, fee.gegenkonto, fee.amount], ["4971", "1210", 225]);
    assert.equal(preview.body.bookedNet, preview.body.net);
    assertProblem(
      await call("POST", `${base("shop-a")}/accounting/preview`, keys.viewerA as string, {
        chart: "SKR03",
        settlementId: "7000000999",
      }),
      404,
      "not_found",
    );
    const broken = await call("POST", `${base("shop-a")}/accounting/preview`, keys.viewerA as string, {
      chart: "SKR03",
      file: settlementFile("1", "2026-03-08T00:00:00 +0000", "2026-03-09T00:00:00 +0000", [
        { posted: "2026-03-08T10:00:00 +0000", type: "Capture", amount: "1.00" },
      ])
        .toString("utf8")
        .slice(0, -20),
    });
    assertProblem(broken, 422, "settlement_file_invalid");
    assert.equal(broken.body.reason, "truncated");
    assertProblem(
      await call("POST", `${base("shop-a")}/accounting/preview`, keys.viewerA as string, { chart: "SKR05" }),
      400,
      "invalid_request",
    );
  });

  it("hands out the DATEV file as Windows-1252 with DATEV's file name, passing the EXTF validator", async () => {
    const datev = await call(
      "GET",
      `${base("shop-a")}/exports/datev?from=2026-03-01&to=2026-03-31&chart=SKR03`,
      keys.adminA as string,
    );
    assert.equal(datev.status, 200, datev.raw.toString());
    assert.equal(datev.type, "text/csv; charset=windows-1252");
    assert.match(
      String(datev.headers["content-disposition"]),
      /^attachment; filename="EXTF_Buchungsstapel_shop-a_SKR03_[A-Za-z0-9_-]+\.csv"$/,
    );
    assert.deepEqual(validateExtf(datev.raw), []);
    assert.equal(datev.headers["x-kasse-export-rows"], "3");
    // Umlauts in Windows-1252: ä is one byte 0xE4.
    assert.ok(datev.raw.includes(Buffer.from([0xe4])));
    const csv = await call(
      "GET",
      `${base("shop-a")}/exports/bookings.csv?from=2026-03-01&to=2026-03-31&chart=SKR03`,
      keys.viewerA as string,
    );
    assert.equal(csv.status, 200);
    assert.equal(csv.type, "text/csv; charset=utf-8");
    assert.equal(csv.raw.toString("utf8").trim().split("\r\n").length, 4);
    // Nothing new since: the same period is handed out again, the same bytes.
    const repeated = await call(
      "GET",
      `${base("shop-a")}/exports/datev?from=2026-03-01&to=2026-03-31&chart=SKR03`,
      keys.adminA as string,
    );
    assert.deepEqual(repeated.raw, datev.raw);
  });

  it("refuses bad periods and empty ones with problem details", async () => {
    const url = `${base("shop-a")}/exports/datev`;
    const token = keys.adminA as string;
    const invalidDate = await call("GET", `${url}?from=2026-02-30&to=2026-03-31&chart=SKR03`, token);
    assertProblem(invalidDate, 400, "invalid_request");
    assert.equal(invalidDate.body.field, "query.from");
    const shape = await call("GET", `${url}?from=1.3.2026&to=2026-03-31&chart=SKR03`, token);
    assertProblem(shape, 400, "invalid_request");
    assert.equal(shape.body.field, "query.from");
    assertProblem(
      await call("GET", `${url}?from=2026-03-01&to=2026-03-31&chart=SKR99`, token),
      400,
      "invalid_request",
    );
    const twoYears = await call("GET", `${url}?from=2025-12-01&to=2026-01-31&chart=SKR03`, token);
    assertProblem(twoYears, 400, "invalid_request");
    assertProblem(
      await call("GET", `${url}?from=2026-05-01&to=2026-05-31&chart=SKR03`, token),
      404,
      "nothing_to_export",
    );
    assertProblem(
      await call(
        "GET",
        `${base("shop-a")}/exports/bookings.csv?from=2026-03-31&to=2026-03-01&chart=SKR03`,
        token,
      ),
      400,
      "invalid_request",
    );
  });
});
