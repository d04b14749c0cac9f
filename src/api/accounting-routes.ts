/**
 * `/api/v1/merchants/{merchantId}/…` accounting (docs/api.md "Accounting"): settlement import on
 * demand, settlements with their reconciliation, booking rules per chart with a preview, the DATEV
 * export and the bookings CSV. The work is the gateway's one Accounting (the port
 * `ApiGateway.accounting`), the same functions the admin routes and the back office call; this
 * file only validates, authorises and renders problem details.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type AccountingRefusal, type Download, periodOf, refusalOf } from "../accounting/downloads.js";
import { ApiError, type ApiErrorCode } from "./errors.js";
import type { AccountingPort, ApiGateway } from "./ports.js";
import { type ApiRoute, authorise, type RouteRequest as Req } from "./route.js";
import { MerchantId, MerchantParams, PROBLEM } from "./schemas.js";

const Chart = Type.Union([Type.Literal("SKR03"), Type.Literal("SKR04")], { description: "DATEV chart" });
const Day = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$", description: "YYYY-MM-DD" });
const Money = Type.Integer({ description: "minor units, signed" });
const Counts = Type.Object({
  payments: Type.Integer(),
  refunds: Type.Integer(),
  chargebacks: Type.Integer(),
});

export const AccountingRulesParams = Type.Object({ merchantId: MerchantId, chart: Chart });

export const SettlementReconciliation = Type.Object(
  {
    settlementId: Type.String(),
    reportId: Type.String(),
    currency: Type.String(),
    periodStart: Type.String({ format: "date-time" }),
    periodEnd: Type.String({ format: "date-time" }),
    lineCount: Type.Integer(),
    gross: Money,
    fees: Money,
    net: Money,
    payout: Money,
    importedAt: Type.String({ format: "date-time" }),
    bookings: Type.Integer(),
    bookedNet: Money,
    bookedBeforePayout: Money,
    matched: Counts,
    unmatched: Type.Integer(),
    reconciled: Type.Boolean({ description: "no booking-side difference" }),
    differences: Type.Array(
      Type.Object({ code: Type.String(), lineNo: Type.Optional(Type.Integer()), message: Type.String() }),
    ),
  },
  { description: "a settlement and its reconciliation (docs/accounting.md)" },
);

export const PeriodGapSchema = Type.Object({
  from: Type.String({ format: "date-time" }),
  to: Type.String({ format: "date-time" }),
  afterSettlementId: Type.String(),
  beforeSettlementId: Type.String(),
  transactions: Type.Array(
    Type.Object({
      kind: Type.Union([Type.Literal("capture"), Type.Literal("refund")]),
      amazonTransactionId: Type.String(),
      payId: Type.String(),
      at: Type.String({ format: "date-time" }),
    }),
  ),
  message: Type.String(),
});

export const ImportCounts = Type.Object(
  {
    merchantId: MerchantId,
    listed: Type.Integer(),
    imported: Type.Integer(),
    alreadyImported: Type.Integer(),
    skipped: Type.Integer(),
    lines: Type.Integer(),
    bookings: Type.Integer(),
    matched: Counts,
    unmatched: Type.Integer(),
    failed: Type.Array(
      Type.Object({
        reportId: Type.String(),
        code: Type.String(),
        message: Type.String(),
        line: Type.Optional(Type.Integer()),
        field: Type.Optional(Type.String()),
      }),
    ),
    missingPeriods: Type.Array(
      Type.Object({ from: Type.String(), to: Type.String(), message: Type.String() }),
      { description: "spans no report covers any more, or that Amazon no longer keeps" },
    ),
    settlements: Type.Array(SettlementReconciliation),
    gaps: Type.Array(PeriodGapSchema, {
      description:
        "spans between imported settlements that none covers while Kasse has captures/refunds in them (docs/accounting.md Gaps)",
    }),
  },
  { description: "what one import run did" },
);

const RuleSetSchema = Type.Object({
  chart: Chart,
  accounts: Type.Record(Type.String(), Type.String(), { description: "role → account number" }),
  buKeys: Type.Record(Type.String(), Type.String(), { description: "booking kind → BU-Schlüssel" }),
});

export const RulesAnswer = Type.Object({ version: Type.Integer(), rules: RuleSetSchema });

/** What is left out keeps the chart's default; checked by accounting (a refusal names the field). */
export const RulesBody = Type.Object(
  {
    accounts: Type.Optional(Type.Record(Type.String(), Type.String())),
    buKeys: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);

export const PreviewBody = Type.Object(
  {
    chart: Chart,
    settlementId: Type.Optional(Type.String({ description: "an imported settlement" })),
    file: Type.Optional(Type.String({ description: "a settlement file's text, not imported" })),
    ledgerCurrency: Type.Optional(Type.String({ pattern: "^[A-Z]{3}$" })),
    rules: Type.Optional(RulesBody),
  },
  { additionalProperties: false, description: "either settlementId or file" },
);

export const PreviewAnswer = Type.Object({
  chart: Chart,
  rules: RuleSetSchema,
  lines: Type.Integer(),
  bookings: Type.Array(
    Type.Object({
      lineNo: Type.Integer(),
      type: Type.String(),
      kind: Type.String(),
      date: Day,
      amount: Type.Integer({ minimum: 0 }),
      sollHaben: Type.Literal("S"),
      konto: Type.String(),
      gegenkonto: Type.String(),
      buKey: Type.String(),
    }),
  ),
  bookedNet: Money,
  net: Money,
});

export const SettlementsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    before: Type.Optional(Type.String({ format: "date-time", description: "a period start" })),
  },
  { additionalProperties: false },
);

export const PeriodQuery = Type.Object(
  {
    from: Day,
    to: Day,
    chart: Chart,
  },
  { additionalProperties: false },
);

export const DatevQuery = Type.Object(
  {
    from: Day,
    to: Day,
    chart: Chart,
    part: Type.Optional(Type.Integer({ minimum: 1, description: "beyond 99,999 rows the export is split" })),
  },
  { additionalProperties: false },
);

const CODES: Readonly<Record<AccountingRefusal["status"], ApiErrorCode>> = {
  400: "invalid_request",
  404: "not_found",
  409: "merchant_inactive",
  422: "settlement_file_invalid",
  502: "amazon_unavailable",
};

/** Runs accounting's work; its refusals become problem details (`reason`: accounting's own code). */
async function refusing<T>(location: "query" | "body" | "path", work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const refusal = refusalOf(error);
    if (!refusal) throw error;
    const code = refusal.code === "nothing_to_export" ? "nothing_to_export" : CODES[refusal.status];
    throw new ApiError(code, refusal.message, {
      ...(refusal.field
        ? { field: refusal.field === "merchantId" ? "path.merchantId" : `${location}.${refusal.field}` }
        : {}),
      ...(refusal.line ? { line: refusal.line } : {}),
      ...(refusal.code !== code ? { reason: refusal.code } : {}),
    });
  }
}

function send(reply: FastifyReply, download: Download): FastifyReply {
  return reply
    .code(200)
    .headers({ ...download.headers, "content-type": download.contentType })
    .header("content-disposition", `attachment; filename="${download.fileName}"`)
    .send(download.body);
}

export function accountingRoutes(gateway: ApiGateway): ApiRoute[] {
  const accounting = (): AccountingPort => {
    if (gateway.accounting === undefined) throw new ApiError("unavailable", "accounting is not set up");
    return gateway.accounting;
  };
  /** The principal may `need` on this merchant, and the merchant exists (an operator may name any). */
  const authoriseExisting = async (
    request: FastifyRequest,
    merchantId: string,
    need: "read" | "act" | "admin",
  ) => {
    authorise(request, merchantId, need);
    if ((await gateway.merchants.summary(merchantId)) === undefined)
      throw new ApiError("not_found", `no merchant ${merchantId}`);
  };
  const csv = (description: string) => ({
    description,
    mediaType: "text/csv",
    schema: Type.String(),
  });

  return [
    {
      method: "POST",
      path: "/merchants/{merchantId}/settlements/import",
      operationId: "importSettlements",
      summary: "Import the merchant's settlement reports from Amazon now",
      tag: "accounting",
      params: MerchantParams,
      responses: {
        200: { description: "the import's counts", schema: ImportCounts },
        403: PROBLEM,
        404: PROBLEM,
        409: PROBLEM,
        503: PROBLEM,
      },
      handler: async (request: Req) => {
        const { merchantId } = request.params;
        await authoriseExisting(request, merchantId, "act");
        return refusing("path", () => accounting().importSettlements(merchantId));
      },
    },
    {
      method: "GET",
      path: "/merchants/{merchantId}/settlements",
      operationId: "listSettlements",
      summary: "Imported settlements, newest first, each reconciled with its differences",
      tag: "accounting",
      params: MerchantParams,
      query: SettlementsQuery,
      responses: {
        200: {
          description: "settlements",
          schema: Type.Object({ settlements: Type.Array(SettlementReconciliation) }),
        },
        400: PROBLEM,
        404: PROBLEM,
      },
      handler: async (request: Req<Static<typeof MerchantParams>, Static<typeof SettlementsQuery>>) => {
        const { merchantId } = request.params;
        await authoriseExisting(request, merchantId, "read");
        const { limit, before } = request.query;
        return {
          settlements: await accounting().settlements(
            merchantId,
            limit ?? 50,
            before === undefined ? undefined : Date.parse(before),
          ),
        };
      },
    },
    {
      method: "GET",
      path: "/merchants/{merchantId}/accounting/rules/{chart}",
      operationId: "getBookingRules",
      summary: "The booking rules in force for a chart, and their version",
      tag: "accounting",
      params: AccountingRulesParams,
      responses: { 200: { description: "the rules", schema: RulesAnswer }, 404: PROBLEM },
      handler: async (request: Req<Static<typeof AccountingRulesParams>>) => {
        const { merchantId, chart } = request.params;
        await authoriseExisting(request, merchantId, "read");
        return accounting().rules(merchantId, chart);
      },
    },
    {
      method: "PUT",
      path: "/merchants/{merchantId}/accounting/rules/{chart}",
      operationId: "setBookingRules",
      summary: "Change a chart's booking rules (a new version; bookings made already keep theirs)",
      tag: "accounting",
      params: AccountingRulesParams,
      body: RulesBody,
      responses: {
        200: { description: "the rules", schema: RulesAnswer },
        400: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
      },
      handler: async (
        request: Req<Static<typeof AccountingRulesParams>, unknown, Static<typeof RulesBody>>,
      ) => {
        const { merchantId, chart } = request.params;
        await authoriseExisting(request, merchantId, "admin");
        return refusing("body", () => accounting().saveRules(merchantId, chart, request.body));
      },
    },
    {
      method: "POST",
      path: "/merchants/{merchantId}/accounting/preview",
      operationId: "previewBookings",
      summary: "What a settlement books under the rules in force or draft rules (stores nothing)",
      tag: "accounting",
      params: MerchantParams,
      body: PreviewBody,
      responses: {
        200: { description: "the bookings it would make", schema: PreviewAnswer },
        400: PROBLEM,
        404: PROBLEM,
        422: PROBLEM,
      },
      handler: async (request: Req<Static<typeof MerchantParams>, unknown, Static<typeof PreviewBody>>) => {
        const { merchantId } = request.params;
        await authoriseExisting(request, merchantId, "read");
        const preview = await refusing("body", () => accounting().preview(merchantId, request.body));
        if (preview === undefined)
          throw new ApiError("not_found", `no settlement ${request.body.settlementId ?? ""}`, {
            field: "body.settlementId",
          });
        return preview;
      },
    },
    {
      method: "GET",
      path: "/merchants/{merchantId}/exports/datev",
      operationId: "exportDatev",
      summary:
        "The bookings of a period as a DATEV EXTF Buchungsstapel (validated, logged; what earlier exports handed out is not handed out again)",
      tag: "accounting",
      params: MerchantParams,
      query: DatevQuery,
      responses: {
        200: csv("the EXTF file, Windows-1252, with a Content-Disposition file name DATEV accepts"),
        400: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
      },
      handler: async (
        request: Req<Static<typeof MerchantParams>, Static<typeof DatevQuery>>,
        reply: FastifyReply,
      ) => {
        const { merchantId } = request.params;
        // Logged as a transfer to the books (GoBD: never handed out twice): more than reading.
        await authoriseExisting(request, merchantId, "act");
        const download = await refusing("query", async () =>
          accounting().datevDownload(merchantId, periodOf(request.query), request.query.part ?? 1),
        );
        return send(reply, download);
      },
    },
    {
      method: "GET",
      path: "/merchants/{merchantId}/exports/bookings.csv",
      operationId: "exportBookingsCsv",
      summary: "The bookings of a period as a plain CSV (Excel-friendly; not logged as an export)",
      tag: "accounting",
      params: MerchantParams,
      query: PeriodQuery,
      responses: { 200: csv("UTF-8 CSV with BOM, `;`, decimal comma"), 400: PROBLEM, 404: PROBLEM },
      handler: async (
        request: Req<Static<typeof MerchantParams>, Static<typeof PeriodQuery>>,
        reply: FastifyReply,
      ) => {
        const { merchantId } = request.params;
        await authoriseExisting(request, merchantId, "read");
        const download = await refusing("query", async () =>
          accounting().bookingsCsvDownload(merchantId, periodOf(request.query)),
        );
        return send(reply, download);
      },
    },
  ];
}
