/**
 * The bookings as a plain CSV for people without DATEV (docs/accounting.md "CSV export"): UTF-8
 * with a byte order mark, `;` between cells and a decimal comma — what a German Excel opens as a
 * table — CRLF line ends, every text cell quoted, and cells that a spreadsheet would read as a
 * formula defused with a leading apostrophe. Streamed page by page, like the DATEV export.
 */
import type { Writable } from "node:stream";
import type { Queryable } from "../store/database.js";
import { type BookingSelection, bookingPage, ruleSetAt } from "./accounting-store.js";
import { isoOfDay } from "./berlin-time.js";
import { type Chart, type RuleSet, resolveLeg } from "./booking-rules.js";
import { buchungstextOf } from "./booking-texts.js";
import { datevAmount } from "./extf-writer.js";

const HEADINGS = [
  "Buchung",
  "Datum",
  "Konto (Soll)",
  "Gegenkonto (Haben)",
  "Betrag",
  "Währung",
  "BU-Schlüssel",
  "Belegfeld 1",
  "Buchungstext",
  "Art",
  "Settlement",
  "Zeile",
  "Amazon-Transaktion",
  "Charge Permission",
  "Bestellnummer",
  "Kasse PayID",
  "Storno von",
];

/** A quoted cell; `= + - @` at the start would make Excel evaluate it, so it gets an apostrophe. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

export async function writeBookingsCsv(
  db: Queryable,
  merchantId: string,
  chart: Chart,
  fromDay: number,
  toDay: number,
  out: Writable,
): Promise<number> {
  const selection: BookingSelection = {
    merchantId,
    chart,
    fromDay,
    toDay,
    maxBookingId: Number.MAX_SAFE_INTEGER,
    onlyNew: false,
    beforeExport: 0,
  };
  const rules = new Map<number, RuleSet>();
  const write = async (text: string) => {
    if (!out.write(text)) await new Promise<void>((resolve) => out.once("drain", resolve));
  };
  await write(`\ufeff${HEADINGS.map(csvCell).join(";")}\r\n`);
  let after: [number, number] | undefined;
  let rows = 0;
  for (;;) {
    const page = await bookingPage(db, selection, after, 2_000);
    if (page.length === 0) break;
    let text = "";
    for (const booking of page) {
      let ruleSet = rules.get(booking.rulesVersion);
      if (!ruleSet) {
        ruleSet = await ruleSetAt(db, merchantId, chart, booking.rulesVersion);
        rules.set(booking.rulesVersion, ruleSet);
      }
      const resolved = resolveLeg(ruleSet, booking);
      const day = isoOfDay(booking.day);
      text += `${[
        String(booking.bookingId),
        `${day.slice(8, 10)}.${day.slice(5, 7)}.${day.slice(0, 4)}`,
        resolved.konto,
        resolved.gegenkonto,
        datevAmount(booking.amount, booking.currency),
        booking.currency,
        resolved.buKey,
        booking.documentRef,
        buchungstextOf(booking),
        booking.kind,
        booking.settlementId,
        String(booking.lineNo),
        booking.amazonTransactionId,
        booking.chargePermissionId,
        booking.sellerOrderId,
        booking.payId ?? "",
        booking.reverses === null ? "" : String(booking.reverses),
      ]
        .map(csvCell)
        .join(";")}\r\n`;
      after = [booking.day, booking.bookingId];
    }
    await write(text);
    rows += page.length;
  }
  return rows;
}
