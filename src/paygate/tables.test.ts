import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { PARAMETER_IDS } from "./codes.js";
import { checkFormat, parseFormat } from "./format.js";
import { addressTableFor, apbAddressEu, apbAddressJp, apbAddressUs, PARAMETER_TABLES } from "./tables.js";

const SEEDS = new URL("../../../shared/seeds/", import.meta.url);
const SEED_FILES: Readonly<Record<string, string>> = {
  "seed 004": "004_114deed3b2de2bdc.txt",
  "seed 001": "001_b8f8f7e813bb155c.txt",
};

describe("parameter tables", () => {
  it("write every format (and every accepted override) in the seeds' notation", () => {
    for (const table of PARAMETER_TABLES) {
      for (const row of table.rows) {
        assert.doesNotThrow(() => parseFormat(row.format), `${table.id}.${row.key}: ${row.format}`);
        if (row.accept !== undefined) {
          assert.doesNotThrow(() => parseFormat(row.accept as string), `${table.id}.${row.key}`);
          assert.ok(
            row.note !== undefined,
            `${table.id}.${row.key}: say why the seed's format is not enforced`,
          );
        }
      }
    }
  });

  it("have unique table ids and no key twice in a table (keys compared case-insensitively)", () => {
    assert.equal(new Set(PARAMETER_TABLES.map((t) => t.id)).size, PARAMETER_TABLES.length);
    for (const table of PARAMETER_TABLES) {
      const keys = table.rows.map((r) => r.key.toLowerCase());
      // Seed 001 lists both `Currency` (M) and `currency` (C, for InstallmentAmount): one wire key.
      const expected = table.id === "apb-init-request" ? keys.length - 1 : keys.length;
      assert.equal(new Set(keys).size, expected, table.id);
    }
  });

  it("list only values that fit the enforced format", () => {
    for (const table of PARAMETER_TABLES) {
      for (const row of table.rows) {
        const format = parseFormat(row.accept ?? row.format);
        for (const value of row.values ?? []) {
          assert.equal(checkFormat(format, value), undefined, `${table.id}.${row.key}: ${value}`);
        }
      }
    }
  });

  it("give every conditional row its condition", () => {
    for (const table of PARAMETER_TABLES) {
      for (const row of table.rows) {
        if (row.presence === "C") assert.ok(row.condition, `${table.id}.${row.key}`);
      }
    }
  });

  it("have a parameter id for every key a shop sends, so every refusal has a code", () => {
    for (const table of PARAMETER_TABLES.filter((t) => t.channels.includes("request"))) {
      for (const row of table.rows) assert.ok(PARAMETER_IDS[row.key.toLowerCase()], `${table.id}.${row.key}`);
    }
    const ids = Object.values(PARAMETER_IDS);
    assert.equal(new Set(ids).size, ids.length, "parameter ids are unique");
  });

  it("copy key, format and presence from the seed, in the seed's order", (t) => {
    if (!existsSync(SEEDS)) {
      t.skip("seed documents not available next to the repository");
      return;
    }
    const seeds = Object.fromEntries(
      Object.entries(SEED_FILES).map(([name, file]) => [
        name,
        readFileSync(new URL(file, SEEDS), "utf8").replace(/\s+/g, ""),
      ]),
    );
    let checked = 0;
    for (const table of PARAMETER_TABLES) {
      const seed = Object.entries(seeds).find(([name]) => table.source.startsWith(name))?.[1];
      if (seed === undefined) continue;
      let from = 0;
      for (const row of table.rows) {
        // addressRestriction is described in prose; the seed prints no format for it.
        if (row.origin === "reference" || row.key === "addressRestriction") continue;
        const printed = `${row.key}${row.format}${row.printedPresence ?? row.presence}`;
        const at = seed.indexOf(printed, from);
        assert.notEqual(
          at,
          -1,
          `${table.id}: "${printed}" not found in ${table.source} after the previous row`,
        );
        from = at + printed.length;
        checked++;
      }
    }
    assert.ok(checked > 200, `checked ${checked} rows`);
  });

  it("pick the APB address table by shipping country (seed 001 Adressprüfung)", () => {
    assert.equal(addressTableFor("DE"), apbAddressEu);
    assert.equal(addressTableFor("gb"), apbAddressEu);
    assert.equal(addressTableFor("UK"), apbAddressEu);
    assert.equal(addressTableFor("JP"), apbAddressJp);
    assert.equal(addressTableFor("US"), apbAddressUs);
    assert.equal(addressTableFor("CH"), undefined);
  });
});
