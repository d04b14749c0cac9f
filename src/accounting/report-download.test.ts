import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { createDownloader, DownloadError, type ReportsClient } from "./report-download.js";

// A document host like S3's pre-signed links: a link answers once and then has "expired" (403).
const used = new Set<string>();
const server = createServer((req, res) => {
  const url = req.url ?? "";
  if (used.has(url) || url.includes("expired")) {
    res.writeHead(403).end("<Error><Code>AccessDenied</Code></Error>");
    return;
  }
  used.add(url);
  res.writeHead(200, { "content-type": "text/csv" }).end(url.includes("gzip") ? gzipSync("zipped") : "plain");
});
let origin = "";
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address && typeof address === "object");
  origin = `http://127.0.0.1:${address.port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(paths: string[], compression = "N/A") {
  let asked = 0;
  const reports = {
    getReportDocument: async (id: string) => {
      const path = paths[Math.min(asked, paths.length - 1)];
      asked += 1;
      return {
        status: 200,
        requestId: "r",
        body: { reportDocumentId: id, url: `${origin}${path}`, compressionAlgorithm: compression },
      };
    },
  } as unknown as ReportsClient;
  return { reports, asked: () => asked };
}

test("an expired link is asked for again; the document comes from the fresh one", async () => {
  const downloader = createDownloader();
  try {
    const { reports, asked } = client(["/doc?expired=1", "/doc?Signature=2"]);
    assert.equal((await downloader.download(reports, "D1")).toString(), "plain");
    assert.equal(asked(), 2);
    const zipped = client(["/gzip?Signature=3"], "GZIP");
    assert.equal((await downloader.download(zipped.reports, "D2")).toString(), "zipped");
  } finally {
    await downloader.close();
  }
});

test("three refused links: a DownloadError naming the document and the last answer", async () => {
  const downloader = createDownloader();
  try {
    const { reports, asked } = client(["/doc?expired=9"]);
    await assert.rejects(downloader.download(reports, "D3"), (error: unknown) => {
      assert.ok(error instanceof DownloadError);
      assert.match(
        error.message,
        /report document D3 could not be downloaded in 3 tries: the document link answered 403/,
      );
      return true;
    });
    assert.equal(asked(), 3);
  } finally {
    await downloader.close();
  }
});
