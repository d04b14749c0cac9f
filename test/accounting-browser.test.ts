/**
 * Accounting in the back office, in Chromium (playwright-core, Debian's chromium), as a merchant's
 * staff would use it: payments captured and refunded through the gateway (Paygate against the
 * built-in emulator), the emulated clock moved past the settlement period, the settlement imported
 * with the page's button, the DATEV file downloaded from the page — checked with the EXTF
 * validator and against the settlement Kasse imported (every capture, refund and fee present, sums
 * equal). Also: a settlement file uploaded on the page (and the same file again), a viewer who
 * sees the books but may neither import nor take the DATEV file, a gap between settlement periods
 * shown on the page and counted in /metrics, and no console error.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { request } from "undici";
import { validateExtf } from "../src/accounting/index.js";
import { kasseTransactionsBetween } from "../src/accounting/payment-reader.js";
import { settlementFile } from "../src/accounting/test-support.js";
import { systemClock } from "../src/core/clock.js";
import type { ShopCredentials } from "../src/paygate/client.js";
import { setAccount } from "../src/web/accounts.js";
import {
  admin,
  advanceAmazon,
  capture,
  createAsyncShop,
  credit,
  pay,
  startAsyncWorld,
  startPayment,
  waitForNotifies,
} from "./async-support.js";
import type { World } from "./paygate-support.js";
import { BROWSER_SKIP, collectConsoleErrors, launchChromium } from "./support/browser.js";

const PASSWORD = "a long enough password";
/** KASSE_WEB_SCREENSHOTS=<dir> saves the accounting page after the import (docs/screenshots holds one). */
const SCREENSHOTS = process.env.KASSE_WEB_SCREENSHOTS;
const MERCHANT = "acct-web";
const year = new Date().getUTCFullYear();

/** `;`-separated fields, text in quotes with "" inside (the test's own reading of a DATEV line). */
function fieldsOf(line: string): string[] {
  const fields: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quoted && char === '"' && line[i + 1] === '"') {
      current += '"';
      i += 1;
    } else if (char === '"') quoted = !quoted;
    else if (char === ";" && !quoted) {
      fields.push(current);
      current = "";
    } else current += char;
  }
  fields.push(current);
  return fields;
}

const minorOf = (text: string) => Number(text.replace(",", ""));

interface SettlementLine {
  lineNo: number;
  type: string;
  amazonTransactionId: string;
  amount: number;
  totalFee: number;
  net: number;
}

describe("accounting pages in a browser", { skip: BROWSER_SKIP }, () => {
  let world: World;
  let shop: ShopCredentials & { amazonMerchantId: string };
  let browser: Browser;
  const ids: { captures: string[]; refund: string } = { captures: [], refund: "" };
  const consoleErrors: string[] = [];

  before(async () => {
    world = await startAsyncWorld();
    shop = await createAsyncShop(world, MERCHANT);
    // A: sale with capture, then a partial refund Amazon settles 30 s later. B: authorised, then captured.
    const a = await startPayment(world, shop, "T-WEB-A", { TxType: "AuthorizeWithCapture" });
    await pay(world, a);
    await waitForNotifies(world, "T-WEB-A", 1);
    assert.equal((await credit(world, shop, a.values.PayID as string, 1200)).values.Status, "PENDING");
    await advanceAmazon(world, 31);
    await waitForNotifies(world, "T-WEB-A", 2);
    const b = await startPayment(world, shop, "T-WEB-B", { TxType: "Authorize", Amount: 4999 });
    await pay(world, b);
    await waitForNotifies(world, "T-WEB-B", 1);
    const captured = await capture(world, shop, b.values.PayID as string, {
      TransID: "T-WEB-B",
      Amount: 4999,
    });
    assert.equal(captured.code, "00000000", captured.values.Description);
    const rows = await world.gateway.db.query<{
      charge_id: string;
      actions: { kind: string; amazonId?: string }[];
    }>("SELECT charge_id, actions FROM payments WHERE merchant_id = $1 ORDER BY trans_id", [MERCHANT]);
    ids.captures = rows.map((row) => row.charge_id);
    ids.refund = rows[0]?.actions.find((action) => action.kind === "credit")?.amazonId ?? "";
    // The settlement period (a UTC day of Amazon's clock) ends; its report appears.
    await advanceAmazon(world, 86_400);
    for (const [user, role] of [
      ["acct-staff", "merchantStaff"],
      ["acct-viewer", "merchantViewer"],
    ] as const) {
      await setAccount(
        world.gateway.db,
        systemClock,
        { user, password: PASSWORD, role, merchantId: MERCHANT },
        "test",
      );
    }
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await world?.close();
  });

  async function signedIn(user: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      locale: "en-GB",
      acceptDownloads: true,
    });
    const page = await context.newPage();
    collectConsoleErrors(page, consoleErrors);
    await page.goto(`${world.gateway.url}/back-office/`);
    await page.fill("#user", user);
    await page.fill("#password", PASSWORD);
    await page.click("#sign-in");
    await page.waitForURL(/\/back-office\/$/);
    return { context, page };
  }

  it("imports the settlement on the page and downloads a DATEV file that reconciles with it", async () => {
    const { context, page } = await signedIn("acct-staff");
    await page.click('nav.main a[href="/back-office/accounting"]');
    await page.waitForURL(new RegExp(`/back-office/accounting/${MERCHANT}$`));
    assert.match(
      String(await page.locator("#settlements tbody").textContent()),
      /No settlements imported yet/,
    );
    await page.click("#import");
    await page.waitForURL(/\/import$/);
    assert.match(
      String(await page.locator("#feedback").textContent()),
      /[1-9]\d* imported, 0 already imported, \d+ skipped, 0 refused/,
    );
    const rows = page.locator("#settlements tbody tr[data-settlement]");
    const count = await rows.count();
    assert.ok(count >= 1);
    for (let i = 0; i < count; i += 1) {
      assert.equal(await rows.nth(i).locator("[data-reconciled]").getAttribute("data-reconciled"), "true");
    }
    assert.match(String(await page.locator("#settlements").textContent()), /reconciled/);
    // Kasse's side of the gap check reads these payments' captures and refunds from the gateway's
    // own tables; all of them are settled, so there is no gap.
    const recorded = await kasseTransactionsBetween(world.gateway.db, MERCHANT, 0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(
      recorded.map((transaction) => transaction.amazonTransactionId).sort(),
      [...ids.captures, ids.refund].sort(),
    );
    assert.equal(await page.locator("#gaps").count(), 0);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "accounting.png"), fullPage: true });

    // What Kasse imported, read through the admin API: the settlement the file must agree with.
    const listed = await admin(world, "GET", `/merchants/${MERCHANT}/settlements`);
    const settlements = listed.body.settlements as {
      settlementId: string;
      net: number;
      payout: number;
      fees: number;
    }[];
    assert.equal(settlements.length, count);
    const lines: SettlementLine[] = [];
    for (const settlement of settlements) {
      const detail = await admin(
        world,
        "GET",
        `/merchants/${MERCHANT}/settlements/${settlement.settlementId}`,
      );
      lines.push(...(detail.body.lines as SettlementLine[]));
    }
    const byType = (type: string) => lines.filter((line) => line.type === type);
    assert.deepEqual(
      byType("Capture")
        .map((line) => line.amazonTransactionId)
        .sort(),
      [...ids.captures].sort(),
    );
    assert.deepEqual(
      byType("Refund").map((line) => [line.amazonTransactionId, line.amount]),
      [[ids.refund, -1200]],
    );

    await page.fill("#export-from", `${year}-01-01`);
    await page.fill("#export-to", `${year}-12-31`);
    await page.selectOption("#export-chart", "SKR03");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-datev")]);
    assert.match(download.suggestedFilename(), /^EXTF_Buchungsstapel_acct-web_SKR03_[A-Za-z0-9_-]+\.csv$/);
    const bytes = await readFile(await download.path());
    assert.deepEqual(validateExtf(bytes), []);

    const text = bytes.toString("latin1").split("\r\n");
    assert.equal(text.pop(), "");
    const bookings = text.slice(2).map(fieldsOf);
    const signed = (row: string[], account: string) =>
      (row[6] === account ? 1 : row[7] === account ? -1 : 0) *
      (row[1] === "S" ? 1 : -1) *
      minorOf(row[0] ?? "");
    // Every capture and refund of the settlement, with its fee, at its amount.
    for (const line of [...byType("Capture"), ...byType("Refund")]) {
      const own = bookings.filter((row) => row.slice(20, 36).includes(line.amazonTransactionId));
      const amountRow = own.find((row) => row[6] === "10000" || row[7] === "10000");
      const feeRow = own.find((row) => row[6] === "4970" || row[7] === "4970");
      assert.ok(amountRow && feeRow, `line ${line.lineNo} (${line.type}) has its amount and its fee booked`);
      assert.equal(signed(amountRow, "1210"), line.amount);
      assert.equal(signed(feeRow, "1210"), line.totalFee);
    }
    // Sums: the fees, the payouts and Amazon Pay's movement equal the settlement's.
    const total = (account: string) => bookings.reduce((sum, row) => sum + signed(row, account), 0);
    const sum = (pick: (s: (typeof settlements)[number]) => number) =>
      settlements.reduce((all, s) => all + pick(s), 0);
    assert.equal(
      -total("4970"),
      sum((s) => s.fees),
    );
    assert.equal(
      total("1360"),
      sum((s) => s.payout),
    );
    assert.equal(
      total("1210"),
      sum((s) => s.net),
      "Amazon Pay moves by the settlements' net (payout included)",
    );
    assert.equal(
      bookings.length,
      lines.reduce((all, line) => all + (line.amount === 0 ? 0 : 1) + (line.totalFee === 0 ? 0 : 1), 0),
      "one booking per amount and per fee, nothing else",
    );

    // The same period again hands out the same file (the export log's repeat).
    const [again] = await Promise.all([page.waitForEvent("download"), page.click("#export-datev")]);
    assert.deepEqual(await readFile(await again.path()), bytes);
    const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
    assert.match(csv.suggestedFilename(), /^Buchungen_acct-web_SKR03_.*\.csv$/);
    assert.match((await readFile(await csv.path())).toString("utf8"), /Amazon Pay Zahlung/);

    // A period across two years is refused on the page, nothing downloaded.
    await page.fill("#export-from", `${year - 1}-12-01`);
    await page.click("#export-datev");
    assert.match(String(await page.locator("#feedback").textContent()), /Refused: .*year/);
    assert.match(String(await page.locator("#rules-SKR03").textContent()), /amazonPay\s*1210/);
    await context.close();
  });

  it("imports an uploaded settlement file once; a viewer reads the books but may not import or take the DATEV file", async () => {
    const { context, page } = await signedIn("acct-staff");
    await page.goto(`${world.gateway.url}/back-office/accounting/${MERCHANT}`);
    const posted = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
    const file = settlementFile(
      "9100000001",
      `${posted}T00:00:00Z`,
      `${posted}T23:59:59Z`,
      [
        {
          posted: `${posted}T10:00:00Z`,
          id: "S02-0000000-0000000-C000001",
          type: "Capture",
          amount: "25.00",
          pct: "-0.48",
          fixed: "-0.35",
        },
        { posted: `${posted}T23:00:00Z`, type: "Transfer", amount: "-24.17" },
      ],
      shop.amazonMerchantId,
    );
    const upload = { name: "settlement.csv", mimeType: "text/csv", buffer: file };
    await page.setInputFiles("#settlement-file", upload);
    await page.click("#upload");
    assert.match(String(await page.locator("#feedback").textContent()), /1 imported/);
    const row = page.locator('tr[data-settlement="9100000001"]');
    assert.equal(await row.locator("[data-reconciled]").getAttribute("data-reconciled"), "true");
    assert.match(String(await row.textContent()), /not_a_kasse_transaction/);
    assert.match(String(await row.textContent()), /-0\.83 EUR/);
    await page.setInputFiles("#settlement-file", upload);
    await page.click("#upload");
    assert.match(String(await page.locator("#feedback").textContent()), /0 imported, 1 already imported/);
    await page.setInputFiles("#settlement-file", { ...upload, buffer: file.subarray(0, file.length - 30) });
    await page.click("#upload");
    assert.match(
      String(await page.locator("#feedback").textContent()),
      /Refused, nothing of it imported: .*(truncated|line \d+)/,
    );
    await context.close();

    const viewer = await signedIn("acct-viewer");
    await viewer.page.goto(`${world.gateway.url}/back-office/accounting/${MERCHANT}`);
    assert.equal(await viewer.page.locator("#import").count(), 0);
    assert.equal(await viewer.page.locator("#export-datev").count(), 0);
    assert.ok((await viewer.page.locator("tr[data-settlement]").count()) >= 2);
    const csrf = await viewer.page.locator("#export-form input[name=_csrf]").getAttribute("value");
    const refused = await viewer.page.request.post(
      `${world.gateway.url}/back-office/accounting/${MERCHANT}/export`,
      {
        form: {
          _csrf: csrf ?? "",
          from: `${year}-01-01`,
          to: `${year}-12-31`,
          chart: "SKR03",
          format: "datev",
        },
      },
    );
    assert.equal(refused.status(), 403);
    const other = await viewer.page.goto(`${world.gateway.url}/back-office/accounting/another-shop`);
    assert.equal(other?.status(), 404);
    await viewer.context.close();
    const audit = await world.gateway.db.query<{ action: string; outcome: string }>(
      "SELECT action, outcome FROM back_office_audit WHERE action LIKE 'accounting.%' ORDER BY at",
    );
    assert.deepEqual([...new Set(audit.map((entry) => `${entry.action}:${entry.outcome}`))].sort(), [
      "accounting.datev:ok",
      "accounting.datev:refused",
      "accounting.import:ok",
      "accounting.upload:ok",
      "accounting.upload:refused",
    ]);
    consoleErrors.splice(
      0,
      consoleErrors.length,
      ...consoleErrors.filter((line) => !/status of 4(00|03|04|22)/.test(line)),
    );
    assert.deepEqual(consoleErrors, []);
  });
  it("shows a gap between uploaded settlement periods that holds a Kasse capture no settlement lists, and counts it in /metrics", async () => {
    const gapShop = await createAsyncShop(world, "acct-gap");
    const c = await startPayment(world, gapShop, "T-GAP-C", { TxType: "AuthorizeWithCapture" });
    await pay(world, c);
    await waitForNotifies(world, "T-GAP-C", 1);
    const [row] = await world.gateway.db.query<{ charge_id: string }>(
      "SELECT charge_id FROM payments WHERE merchant_id = 'acct-gap'",
    );
    await setAccount(
      world.gateway.db,
      systemClock,
      { user: "gap-staff", password: PASSWORD, role: "merchantStaff", merchantId: "acct-gap" },
      "test",
    );
    // Two settlements Amazon made three days before and two days after the capture (by Kasse's
    // clock); the one in between, which would list the capture, was never imported.
    const dayOf = (offsetDays: number) =>
      new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
    const oneDay = (id: string, date: string) =>
      settlementFile(
        id,
        `${date}T00:00:00Z`,
        `${date}T23:59:59Z`,
        [
          {
            posted: `${date}T09:00:00Z`,
            id: `S02-9999999-${id.slice(-7)}-C000001`,
            type: "Capture",
            amount: "10.00",
          },
          { posted: `${date}T20:00:00Z`, type: "Transfer", amount: "-10.00" },
        ],
        gapShop.amazonMerchantId,
      );
    const { context, page } = await signedIn("gap-staff");
    await page.goto(`${world.gateway.url}/back-office/accounting/acct-gap`);
    assert.equal(await page.locator("#gaps").count(), 0);
    for (const [id, date] of [
      ["9200000001", dayOf(-3)],
      ["9200000002", dayOf(2)],
    ] as const) {
      await page.setInputFiles("#settlement-file", {
        name: `${id}.csv`,
        mimeType: "text/csv",
        buffer: oneDay(id, date),
      });
      await page.click("#upload");
      assert.match(String(await page.locator("#feedback").textContent()), /1 imported/);
    }
    const gaps = page.locator("#gaps li");
    assert.equal(await gaps.count(), 1);
    assert.equal(await gaps.first().getAttribute("data-gap-from"), `${dayOf(-3)}T23:59:59.000Z`);
    assert.equal(await gaps.first().getAttribute("data-gap-to"), `${dayOf(2)}T00:00:00.000Z`);
    assert.match(
      String(await gaps.first().textContent()),
      new RegExp(`1 capture\\(s\\)/refund\\(s\\).*${row?.charge_id}`),
    );
    assert.match(
      String(await page.locator('tr[data-settlement="9200000002"]').textContent()),
      /period_gap/,
      "the settlement after the gap carries it as a difference",
    );
    await context.close();
    const metrics = await request(`${world.gateway.url}/metrics`, { dispatcher: world.agent });
    const text = await metrics.body.text();
    assert.match(text, /^kasse_accounting_settlement_gaps\{merchant_id="acct-gap"\} 1$/m);
    assert.match(
      text,
      new RegExp(`^kasse_accounting_settlement_gaps\\{merchant_id="${MERCHANT}"\\} 0$`, "m"),
    );
  });
});
