/**
 * Writes docs/paygate.md from the Paygate tables and code registry.
 * Run: `npx tsx scripts/paygate-docs.ts`
 */
import { writeFileSync } from "node:fs";
import { renderPaygateDocs } from "../src/paygate/docs.js";

const target = new URL("../docs/paygate.md", import.meta.url);
writeFileSync(target, renderPaygateDocs());
process.stdout.write(`wrote ${target.pathname}\n`);
