/**
 * Fetches a settlement report from the Amazon Pay Reporting API: the listing (all pages), and the
 * document — whose pre-signed URL lives 30 seconds, so it is downloaded at once and, when the
 * link has lapsed or the download fails, asked for again (docs/accounting.md "Import").
 */
import { rootCertificates } from "node:tls";
import { gunzipSync } from "node:zlib";
import { Agent, request } from "undici";
import type { AmazonPayClient } from "../amazon/client.js";
import type { Report, ReportType } from "../amazon/wire.js";
import { compactTimestamp } from "../core/clock.js";

export type ReportsClient = Pick<AmazonPayClient, "getReports" | "getReportDocument">;

export const SETTLEMENT_REPORT: ReportType = "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SETTLEMENT_DATA_";
export const SANDBOX_SETTLEMENT_REPORT: ReportType =
  "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA_";

/** Pages of 100 (the API's largest), following `nextToken`; bounded so a misbehaving API cannot loop us. */
export async function listSettlementReports(
  client: ReportsClient,
  reportType: ReportType,
  createdSince: number,
): Promise<Report[]> {
  const reports: Report[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 1_000; page += 1) {
    const response = await client.getReports(
      nextToken === undefined
        ? { reportTypes: [reportType], createdSince: compactTimestamp(createdSince), pageSize: 100 }
        : { nextToken },
    );
    reports.push(...response.body.reports);
    nextToken = response.body.nextToken ?? undefined;
    if (!nextToken) return reports;
  }
  throw new Error("the report listing did not end after 1000 pages");
}

export class DownloadError extends Error {
  override name = "DownloadError";
}

export interface Downloader {
  download(client: ReportsClient, reportDocumentId: string): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Downloads documents over HTTPS with Node's roots plus `extraCa` (the built-in emulator's
 * certificate), sending no Amazon credentials: the URL is signed itself. Three tries, each with a
 * fresh URL; a try must finish well inside the link's 30 seconds.
 */
export function createDownloader(extraCa?: string, attempts = 3): Downloader {
  const dispatcher = new Agent({
    connect: {
      ca: extraCa ? [...rootCertificates, extraCa] : [...rootCertificates],
      rejectUnauthorized: true,
    },
    headersTimeout: 20_000,
    bodyTimeout: 20_000,
  });
  return {
    async download(client, reportDocumentId) {
      let last = "";
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        const document = (await client.getReportDocument(reportDocumentId)).body;
        try {
          const response = await request(document.url, { method: "GET", dispatcher });
          const body = Buffer.from(await response.body.arrayBuffer());
          if (response.statusCode !== 200) {
            last = `the document link answered ${response.statusCode}`;
            continue;
          }
          return document.compressionAlgorithm === "GZIP" ? gunzipSync(body) : body;
        } catch (error) {
          last = (error as Error).message;
        }
      }
      throw new DownloadError(
        `report document ${reportDocumentId} could not be downloaded in ${attempts} tries: ${last}`,
      );
    },
    close: () => dispatcher.close(),
  };
}
