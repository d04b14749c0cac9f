import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { CODES } from "./codes.js";
import { renderPaygateDocs } from "./docs.js";
import { PARAMETER_TABLES } from "./tables.js";

describe("docs/paygate.md", () => {
  it("is what scripts/paygate-docs.ts renders from the tables and codes (run it after changing them)", () => {
    const committed = readFileSync(new URL("../../docs/paygate.md", import.meta.url), "utf8");
    assert.ok(
      committed === renderPaygateDocs(),
      "docs/paygate.md is stale: run `npx tsx scripts/paygate-docs.ts`",
    );
  });

  it("shows every table, row and code", () => {
    const docs = renderPaygateDocs();
    for (const table of PARAMETER_TABLES) {
      assert.ok(docs.includes(`id: \`${table.id}\``), table.id);
      for (const row of table.rows)
        assert.ok(docs.includes(`| \`${row.key}\` | \`${row.format}\` |`), row.key);
    }
    for (const [name, definition] of Object.entries(CODES)) {
      assert.ok(docs.includes(`| \`${name}\` | \`${definition.code}`), name);
    }
  });
});
