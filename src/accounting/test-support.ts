/**
 * Fixtures of accounting's unit tests: a gateway database with a merchant and payments written as
 * the gateway's tables hold them, a settlement file builder, and a Reporting API that serves given
 * report bytes (so the importer runs for real without HTTP).
 */
import type { Report } from "../amazon/wire.js";
import { compactTimestamp } from "../core/clock.js";
import { GATEWAY_MIGRATIONS_DIR } from "../gateway/index.js";
import type { Database } from "../store/database.js";
import { openTestDatabase } from "../store/test-database.js";
import type { Downloader, ReportsClient } from "./report-download.js";
import { SANDBOX_SETTLEMENT_REPORT } from "./report-download.js";
import type { AccountingMerchant } from "./settlement-import.js";

export const SELLER = "A2SELLERTEST";
export const DAY_MS = 86_400_000;

export async function accountingDatabase(merchantIds: readonly string[] = ["shop"]): Promise<Database> {
  const db = await openTestDatabase(GATEWAY_MIGRATIONS_DIR);
  for (const merchantId of merchantIds) await insertMerchantRow(db, merchantId);
  return db;
}

/** A merchant row as the gateway's tables hold one (sealed columns are placeholders: accounting never opens them). */
export async function insertMerchantRow(db: Database, merchantId: string): Promise<void> {
  await db.query(
    `INSERT INTO merchants (merchant_id, name, hmac_key_enc, blowfish_key_enc, amazon_environment, amazon_region,
       amazon_merchant_id, amazon_store_id, amazon_public_key_id, amazon_private_key_enc, created_at, updated_at)
     VALUES ($1, $1, 'x', 'x', 'emulator', 'eu', $2, 'store', 'key', 'x', 0, 0)`,
    [merchantId, SELLER],
  );
}

/** A captured payment (and its refunds, as credit actions with Amazon's refund ids). */
export async function insertPayment(
  db: Database,
  merchantId: string,
  payment: {
    payId: string;
    chargeId: string;
    chargePermissionId: string;
    captured: number;
    refunds?: { id: string; amount: number }[];
  },
): Promise<void> {
  const actions = [
    { xid: "x1", kind: "init", sequence: 1, transId: "T", amount: payment.captured, state: "succeeded" },
    { xid: "x2", kind: "capture", sequence: 2, transId: "T", amount: payment.captured, state: "succeeded" },
    ...(payment.refunds ?? []).map((refund, index) => ({
      xid: `r${index}`,
      kind: "credit",
      sequence: 3 + index,
      transId: "T",
      amount: refund.amount,
      state: "succeeded",
      amazonId: refund.id,
    })),
  ];
  const credited = (payment.refunds ?? []).reduce((sum, refund) => sum + refund.amount, 0);
  await db.query(
    `INSERT INTO payments (merchant_id, pay_id, trans_id, currency, tx_type, checkout_mode, status, amount, authorized, captured,
       credited, charge_permission_id, charge_id, actions, created_at, updated_at)
     VALUES ($1, $2, 'T', 'EUR', 'Authorize', 'Standard', 'Captured', $3, $3, $3, $4, $5, $6, $7, 0, 0)`,
    [
      merchantId,
      payment.payId,
      payment.captured,
      credited,
      payment.chargePermissionId,
      payment.chargeId,
      JSON.stringify(actions),
    ],
  );
}

export interface Row {
  readonly posted: string;
  readonly id?: string;
  readonly type: string;
  readonly permission?: string;
  readonly order?: string;
  readonly currency?: string;
  readonly amount: string;
  readonly pct?: string;
  readonly fixed?: string;
}

/** A settlement file as Amazon writes it: BOM, preamble, quoted cells, trailing header comma. */
export function settlementFile(
  settlementId: string,
  start: string,
  end: string,
  rows: readonly Row[],
  seller = SELLER,
): Buffer {
  const cents = (text: string) => Math.round(Number(text) * 100);
  const decimal = (value: number) => (value === 0 ? "0" : (value / 100).toFixed(2));
  const quote = (cells: readonly string[]) =>
    cells.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(",");
  const lines = [
    '"Amazon Payments Advanced",',
    '"Settlement Report",',
    quote(["SellerId", seller]),
    quote(["SettlementStartDate", start]),
    quote(["SettlementEndDate", end]),
    '"TransactionPostedDate","SettlementId","AmazonTransactionId","SellerReferenceId","TransactionType","AmazonOrderReferenceId","SellerOrderId","StoreName","CurrencyCode","TransactionDescription","TransactionAmount","TransactionPercentageFee","TransactionFixedFee","TotalTransactionFee","NetTransactionAmount",',
    ...rows.map((row) => {
      const fee = cents(row.pct ?? "0") + cents(row.fixed ?? "0");
      return quote([
        row.posted,
        settlementId,
        row.id ?? "",
        row.order ?? "",
        row.type,
        row.permission ?? "",
        row.order ?? "",
        "Test Shop",
        row.currency ?? "EUR",
        "",
        row.amount,
        row.pct ?? "0",
        row.fixed ?? "0",
        decimal(fee),
        decimal(cents(row.amount) + fee),
      ]);
    }),
  ];
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join("\n")}\n`)]);
}

/** A Reporting API holding `reports` (id → bytes), each created at its given time. */
export class FakeReports implements ReportsClient, Downloader {
  readonly documents = new Map<string, Buffer>();
  readonly reports: Report[] = [];
  downloads = 0;

  add(
    reportId: string,
    createdAt: number,
    content: Buffer | undefined,
    status: Report["processingStatus"] = "COMPLETED",
  ): void {
    const documentId = content === undefined ? null : `doc-${reportId}`;
    if (content && documentId) this.documents.set(documentId, content);
    this.reports.push({
      reportId,
      reportType: SANDBOX_SETTLEMENT_REPORT,
      createdTime: compactTimestamp(createdAt),
      startTime: compactTimestamp(createdAt - DAY_MS),
      endTime: compactTimestamp(createdAt),
      processingStatus: status,
      processingStartTime: compactTimestamp(createdAt),
      processingEndTime: compactTimestamp(createdAt),
      reportDocumentId: documentId,
    });
  }

  getReports = (async () => ({
    status: 200,
    requestId: "r",
    body: { reports: [...this.reports] },
  })) as unknown as ReportsClient["getReports"];

  getReportDocument = (async (id: string) => ({
    status: 200,
    requestId: "r",
    body: { reportDocumentId: id, url: `https://reports.example/${id}`, compressionAlgorithm: "N/A" },
  })) as unknown as ReportsClient["getReportDocument"];

  async download(_client: ReportsClient, reportDocumentId: string): Promise<Buffer> {
    this.downloads += 1;
    const content = this.documents.get(reportDocumentId);
    if (!content) throw new Error(`no document ${reportDocumentId}`);
    return content;
  }

  async close(): Promise<void> {}

  merchant(merchantId: string, createdAt: number, ledgerCurrency = "EUR"): AccountingMerchant {
    return {
      merchantId,
      amazonMerchantId: SELLER,
      reportType: SANDBOX_SETTLEMENT_REPORT,
      ledgerCurrency,
      createdAt,
      reports: this,
    };
  }
}
