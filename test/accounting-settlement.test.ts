/**
 * Accounting as a new user tries it (docs/accounting.md): payments captured and refunded through
 * the real Paygate flow against the built-in emulator, the emulated clock moved past the
 * settlement period, the settlement imported through the admin API, the DATEV file downloaded —
 * and that file checked here independently of Kasse's own validator: header, 125 columns, the
 * Windows-1252 bytes, formats, lengths, and bookings that reconcile with the settlement.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import { validateExtf } from "../src/accounting/index.js";
import type { ShopCredentials } from "../src/paygate/client.js";
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
import { ADMIN_TOKEN, type World } from "./paygate-support.js";

let world: World;
let shop: ShopCredentials & { amazonMerchantId: string };
const ids: { captures: string[]; refund: string } = { captures: [], refund: "" };

/** The bytes 0x80–0x9F a German booking file may hold, as Windows-1252 defines them (written out here). */
const CP1252_HIGH: Readonly<Record<number, string>> = {
  128: "€",
  132: "„",
  133: "…",
  147: "“",
  148: "”",
  150: "–",
  151: "—",
};

function decodeWindows1252(bytes: Buffer): string {
  let text = "";
  for (const byte of bytes) {
    if (byte >= 0x80 && byte <= 0x9f) {
      const char = CP1252_HIGH[byte];
      assert.ok(char, `byte 0x${byte.toString(16)} is not expected in this file`);
      text += char;
    } else text += String.fromCharCode(byte);
  }
  return text;
}

/** `;`-separated fields, text in quotes with "" inside: the test's own reading of a DATEV line. */
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
  assert.equal(quoted, false, `unbalanced quotes: ${line}`);
  fields.push(current);
  return fields;
}

async function download(
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer }> {
  const response = await request(`${world.gateway.url}/api/admin${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    dispatcher: world.agent,
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    bytes: Buffer.from(await response.body.arrayBuffer()),
  };
}

const euros = (minor: number) => `${Math.floor(minor / 100)},${String(minor % 100).padStart(2, "0")}`;
const minorOf = (text: string) => Number(text.replace(",", ""));
const year = new Date().getUTCFullYear();
const period = `from=${year}-01-01&to=${year}-12-31`;

before(async () => {
  world = await startAsyncWorld();
  shop = await createAsyncShop(world, "acct-shop");
  // A: sale with capture, then a partial refund that Amazon settles 30 s later (IPN).
  const a = await startPayment(world, shop, "T-ACCT-A", { TxType: "AuthorizeWithCapture" });
  await pay(world, a);
  await waitForNotifies(world, "T-ACCT-A", 1);
  const refund = await credit(world, shop, a.values.PayID as string, 1200);
  assert.equal(refund.values.Status, "PENDING");
  await advanceAmazon(world, 31);
  await waitForNotifies(world, "T-ACCT-A", 2);
  // B: authorised, then captured by the shop. C: authorised only — nothing to settle.
  const b = await startPayment(world, shop, "T-ACCT-B", { TxType: "Authorize", Amount: 4999 });
  await pay(world, b);
  await waitForNotifies(world, "T-ACCT-B", 1);
  const captured = await capture(world, shop, b.values.PayID as string, {
    TransID: "T-ACCT-B",
    Amount: 4999,
  });
  assert.equal(captured.code, "00000000", captured.values.Description);
  const c = await startPayment(world, shop, "T-ACCT-C", { TxType: "Authorize", Amount: 700 });
  await pay(world, c);
  await waitForNotifies(world, "T-ACCT-C", 1);
  const rows = await world.gateway.db.query<{
    charge_id: string;
    actions: { kind: string; amazonId?: string }[];
  }>(
    "SELECT charge_id, actions FROM payments WHERE merchant_id = $1 AND trans_id IN ('T-ACCT-A', 'T-ACCT-B') ORDER BY trans_id",
    [shop.merchantId],
  );
  ids.captures = rows.map((row) => row.charge_id);
  ids.refund = rows[0]?.actions.find((action) => action.kind === "credit")?.amazonId ?? "";
  assert.match(ids.refund, /^S0\d-\d{7}-\d{7}-R\d+$/);
  // The settlement period (a UTC day of Amazon's clock) ends; its report appears.
  await advanceAmazon(world, 86_400);
});
after(() => world.close());

describe("accounting: settlement import and DATEV export through the gateway", () => {
  let imported: Record<string, unknown>;

  it("imports the settlement: every capture, refund and fee matched, booked and reconciled", async () => {
    const answer = await admin(world, "POST", `/merchants/${shop.merchantId}/settlements/import`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    imported = answer.body;
    assert.ok((imported.imported as number) >= 1);
    assert.deepEqual(imported.failed, []);
    assert.deepEqual(imported.missingPeriods, []);
    assert.deepEqual(imported.matched, { payments: 2, refunds: 1, chargebacks: 0 });
    assert.equal(imported.unmatched, 0);
    const settlements = imported.settlements as {
      reconciled: boolean;
      differences: unknown[];
      net: number;
      payout: number;
      fees: number;
    }[];
    for (const settlement of settlements)
      assert.equal(settlement.reconciled, true, JSON.stringify(settlement.differences));
    // The emulator's fee model: 1.9 % (half up) + 0.35 EUR per capture; a refund returns its 1.9 %.
    assert.equal(
      settlements.reduce((sum, s) => sum + s.fees, 0),
      -(57 + 35) - (95 + 35) + 23,
    );
    assert.equal(
      settlements.reduce((sum, s) => sum + s.payout, 0),
      3000 - 92 + 4999 - 130 - 1200 + 23,
    );

    const again = await admin(world, "POST", `/merchants/${shop.merchantId}/settlements/import`);
    assert.deepEqual(
      [again.body.imported, again.body.bookings, again.body.alreadyImported],
      [0, 0, imported.imported],
    );
    const listed = await admin(world, "GET", `/merchants/${shop.merchantId}/settlements`);
    assert.equal((listed.body.settlements as unknown[]).length, imported.imported);
  });

  it("downloads a DATEV file that passes the validator and an independent check, and reconciles", async () => {
    const file = await download(`/merchants/${shop.merchantId}/exports/datev?${period}&chart=SKR03`);
    assert.equal(file.status, 200, file.bytes.toString());
    assert.equal(file.headers["content-type"], "text/csv; charset=windows-1252");
    assert.match(
      String(file.headers["content-disposition"]),
      /^attachment; filename="EXTF_[A-Za-z0-9_-]+\.csv"$/,
    );
    assert.deepEqual(validateExtf(file.bytes), []);

    // Line ends: CRLF only, the last line too.
    assert.equal(
      file.bytes.filter((byte) => byte === 0x0a).length,
      file.bytes.toString("latin1").split("\r\n").length - 1,
    );
    const lines = decodeWindows1252(file.bytes).split("\r\n");
    assert.equal(lines.pop(), "");
    const header = fieldsOf(lines[0] ?? "");
    assert.equal(header.length, 31);
    assert.deepEqual(header.slice(0, 5), ["EXTF", "700", "21", "Buchungsstapel", "13"]);
    assert.match(header[5] ?? "", /^\d{17}$/);
    assert.deepEqual(
      [header[13], header[14], header[15], header[20], header[21], header[26]],
      ["4", `${year}0101`, `${year}1231`, "0", "EUR", "03"],
    );
    const columns = (lines[1] ?? "").split(";");
    assert.equal(columns.length, 125);
    assert.deepEqual(
      [columns[0], columns[6], columns[9], columns[102], columns[124]],
      ["Umsatz (ohne Soll/Haben-Kz)", "Konto", "Belegdatum", "Buchungs GUID", "Abw. Skontokonto"],
    );

    const rows = lines.slice(2).map(fieldsOf);
    let amazonPay = 0;
    for (const row of rows) {
      assert.equal(row.length, 125);
      assert.match(row[0] ?? "", /^\d{1,10},\d{2}$/);
      assert.ok(row[1] === "S" || row[1] === "H");
      assert.match(row[6] ?? "", /^\d{4,5}$/);
      assert.match(row[7] ?? "", /^\d{4,5}$/);
      const ttmm = row[9] ?? "";
      assert.match(ttmm, /^\d{4}$/);
      assert.ok(
        !Number.isNaN(Date.parse(`${year}-${ttmm.slice(2)}-${ttmm.slice(0, 2)}`)),
        `Belegdatum ${ttmm} is TTMM`,
      );
      assert.ok((row[10] ?? "").length <= 36 && /^[A-Za-z0-9$&%*+\-/]*$/.test(row[10] ?? ""));
      assert.ok((row[13] ?? "").length <= 60);
      const sign = row[1] === "S" ? 1 : -1;
      if (row[6] === "1210") amazonPay += sign * minorOf(row[0] ?? "");
      if (row[7] === "1210") amazonPay -= sign * minorOf(row[0] ?? "");
    }
    assert.equal(amazonPay, 0, "the emulator pays out everything: Amazon Pay ends where it started");
    const withTxn = (id: string) => rows.filter((row) => row.slice(20, 36).includes(id));
    const [captureA, captureB] = ids.captures;
    assert.deepEqual(
      withTxn(captureA ?? "-").map((row) => [row[0], row[6], row[7]]),
      [
        ["30,00", "1210", "10000"],
        ["0,92", "4970", "1210"],
      ],
    );
    assert.deepEqual(
      withTxn(captureB ?? "-").map((row) => [row[0], row[6], row[7]]),
      [
        ["49,99", "1210", "10000"],
        ["1,30", "4970", "1210"],
      ],
    );
    assert.deepEqual(
      withTxn(ids.refund).map((row) => [row[0], row[6], row[7]]),
      [
        ["12,00", "10000", "1210"],
        ["0,23", "1210", "4970"],
      ],
    );
    const payouts = rows.filter((row) => row[6] === "1360");
    assert.equal(euros(payouts.reduce((sum, row) => sum + minorOf(row[0] ?? ""), 0)), "66,00");
    assert.equal(
      rows.length,
      6 + payouts.length,
      "every capture, refund and fee, and the payout — nothing else",
    );
    assert.ok(
      lines.some((line) => line.includes("Amazon Pay Gebühr")),
      "umlauts decoded from Windows-1252",
    );

    const repeated = await download(`/merchants/${shop.merchantId}/exports/datev?${period}&chart=SKR03`);
    assert.deepEqual(repeated.bytes, file.bytes, "downloading the same period again hands out the same file");
    const log = await admin(world, "GET", `/merchants/${shop.merchantId}/exports`);
    assert.equal((log.body.exports as unknown[]).length, 1);
  });

  it("previews a draft rule set and exports SKR04 and a CSV for Excel", async () => {
    const [first] = (await admin(world, "GET", `/merchants/${shop.merchantId}/settlements`)).body
      .settlements as { settlementId: string }[];
    const preview = await admin(world, "POST", `/merchants/${shop.merchantId}/accounting/preview`, {
      chart: "SKR03",
      settlementId: first?.settlementId,
      rules: { accounts: { fees: "4971" } },
    });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    const bookings = preview.body.bookings as { kind: string; konto: string; gegenkonto: string }[];
    assert.ok(
      bookings
        .filter((booking) => booking.kind === "fee")
        .every((booking) => [booking.konto, booking.gegenkonto].includes("4971")),
    );
    assert.equal(preview.body.bookedNet, preview.body.net);
    const refused = await request(
      `${world.gateway.url}/api/admin/merchants/${shop.merchantId}/accounting/rules/SKR03`,
      {
        method: "PUT",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ accounts: { receivables: "8400" }, buKeys: { capture: "3" } }),
        dispatcher: world.agent,
      },
    );
    assert.deepEqual(
      [refused.statusCode, ((await refused.body.json()) as { field: string }).field],
      [400, "buKeys.capture"],
    );

    const skr04 = await download(`/merchants/${shop.merchantId}/exports/datev?${period}&chart=SKR04`);
    assert.equal(skr04.status, 200);
    assert.deepEqual(validateExtf(skr04.bytes), []);
    assert.match(skr04.bytes.toString("latin1"), /;1810;10000;/);
    const csv = await download(`/merchants/${shop.merchantId}/exports/bookings.csv?${period}&chart=SKR03`);
    assert.equal(csv.status, 200);
    assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.equal(csv.bytes.toString("utf8").split("\r\n").length - 2, imported.bookings);
  });

  it("refuses bad requests precisely", async () => {
    const across = await download(
      `/merchants/${shop.merchantId}/exports/datev?from=${year - 1}-12-01&to=${year}-01-31&chart=SKR03`,
    );
    assert.equal(across.status, 400);
    assert.match(across.bytes.toString(), /one calendar year/);
    const chart = await download(`/merchants/${shop.merchantId}/exports/datev?${period}&chart=SKR05`);
    assert.deepEqual([chart.status, JSON.parse(chart.bytes.toString()).field], [400, "chart"]);
    const date = await download(
      `/merchants/${shop.merchantId}/exports/datev?from=${year}-02-30&to=${year}-03-01&chart=SKR03`,
    );
    assert.deepEqual([date.status, JSON.parse(date.bytes.toString()).field], [400, "from"]);
    const nothing = await download(
      `/merchants/${shop.merchantId}/exports/datev?from=${year - 1}-01-01&to=${year - 1}-12-31&chart=SKR03`,
    );
    assert.equal(nothing.status, 404);
    assert.equal((await admin(world, "POST", "/merchants/nobody/settlements/import")).status, 404);
    assert.equal((await download(`/merchants/nobody/exports/datev?${period}&chart=SKR03`)).status, 404);
  });
});
