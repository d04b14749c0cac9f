#!/usr/bin/env node
/**
 * Sums a `node --cpu-prof` profile (e.g. from `kasse bench --cpu-prof DIR`) by part: PGlite,
 * crypto, JSON, fastify, undici, pino, Kasse's modules by folder, Node internals, GC, idle.
 * Usage: node scripts/profile-parts.mjs FILE.cpuprofile [--from SECONDS] [--top N]
 * `--from` skips the first seconds of the profile (start-up), `--top` lists the hottest functions.
 */
import { readFileSync } from "node:fs";

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node scripts/profile-parts.mjs FILE.cpuprofile [--from SECONDS] [--top N]\n");
  process.exit(2);
}
const option = (name, fallback) => {
  const at = rest.indexOf(name);
  return at === -1 ? fallback : Number(rest[at + 1]);
};
const fromMicros = option("--from", 0) * 1e6;
const top = option("--top", 25);

const profile = JSON.parse(readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

const generic = (part) => part.startsWith("native: ") || part === "node internals";

/**
 * A native frame or a Node internal (fs, streams, timers) counts for the part of the nearest
 * frame that called it, marked "via node"; crypto and TLS keep their own part.
 */
function attributed(id) {
  const own = partOf(nodes.get(id).callFrame);
  if (!generic(own)) return own;
  for (let at = parents.get(id); at !== undefined; at = parents.get(at)) {
    const caller = partOf(nodes.get(at).callFrame);
    if (!generic(caller)) return `${caller} (via node)`;
  }
  return own;
}

function partOf(frame) {
  const url = frame.url ?? "";
  const name = frame.functionName;
  if (name === "(garbage collector)") return "gc";
  if (name === "(idle)") return "idle";
  if (name === "(program)") return "program (native, unattributed)";
  if (url.includes("@electric-sql/pglite") || url.startsWith("wasm://")) return "pglite";
  if (/^(sign|verify|createHash|createHmac|update|digest|final|cipher|decipher)/i.test(name) && !url)
    return "crypto (native)";
  if (name === "parse" && !url) return "JSON.parse";
  if (name === "stringify" && !url) return "JSON.stringify";
  const module = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (module) return module[1];
  const ours = url.match(/\/src\/([^/]+)\//);
  if (ours) return `kasse src/${ours[1]}`;
  if (url.startsWith("node:")) {
    if (/crypto/.test(url)) return "node:crypto";
    if (/tls|_tls|https/.test(url)) return "node:tls";
    return "node internals";
  }
  return url ? "other js" : `native: ${name || "(anonymous)"}`;
}

const byPart = new Map();
const byFunction = new Map();
let total = 0;
let clock = 0;
profile.samples.forEach((id, index) => {
  clock += profile.timeDeltas[index] ?? 0;
  if (clock < fromMicros) return;
  const delta = profile.timeDeltas[index + 1] ?? 0;
  const frame = nodes.get(id).callFrame;
  const part = attributed(id);
  if (part === "idle") return;
  total += delta;
  byPart.set(part, (byPart.get(part) ?? 0) + delta);
  const key = `${frame.functionName || "(anonymous)"} ${(frame.url ?? "").replace(/^.*\/(node_modules|src)\//, "$1/")}:${frame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + delta);
});

const table = (map, limit) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(
      ([name, micros]) =>
        `${((100 * micros) / total).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    )
    .join("\n");
process.stdout.write(
  `busy ${(total / 1000).toFixed(0)} ms\n\nby part (self time):\n${table(byPart, 40)}\n\nhottest functions:\n${table(byFunction, top)}\n`,
);
