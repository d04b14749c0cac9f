// Idle memory of `kasse start` (docs/PERFORMANCE.md, "Idle memory"):
//   node scripts/idle-rss.mjs DATA_DIR [IDLE_SECONDS]
// starts the built `dist/cli/main.js start --data DATA_DIR` (a new directory is made fresh; run it
// twice for a reopened one) on random ports, reads VmRSS/VmHWM of the process from /proc when the
// ready line appears, 5 s later and after IDLE_SECONDS (default 30), prints one JSON line with the
// load average, and stops it with SIGTERM. Linux only (/proc).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const [dataDir, idleArg] = process.argv.slice(2);
if (dataDir === undefined) {
  process.stderr.write("usage: node scripts/idle-rss.mjs DATA_DIR [IDLE_SECONDS]\n");
  process.exit(2);
}
const idleSeconds = Number(idleArg ?? 30);
const main = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const port = 20000 + Math.floor(Math.random() * 20000);
const started = Date.now();
const child = spawn(
  process.execPath,
  [
    main,
    "start",
    "--data",
    dataDir,
    "--port",
    String(port),
    "--emulator-port",
    String(port + 1),
    "--host",
    "127.0.0.1",
  ],
  { stdio: ["ignore", "pipe", "pipe"] },
);

/** VmRSS and VmHWM in MB. */
function memory() {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const mb = (key) => Math.round(Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1]) / 1024);
  return { rssMb: mb("VmRSS"), hwmMb: mb("VmHWM") };
}

let stdout = "";
let stderr = "";
child.stderr.setEncoding("utf8").on("data", (chunk) => {
  stderr = (stderr + chunk).slice(-4000);
});
child.stdout.setEncoding("utf8").on("data", async (chunk) => {
  stdout += chunk;
  if (!stdout.includes('"ready":true')) return;
  child.stdout.removeAllListeners("data");
  const readySeconds = (Date.now() - started) / 1000;
  const atReady = memory();
  await sleep(5000);
  const after5s = memory();
  await sleep(Math.max(0, idleSeconds - 5) * 1000);
  const afterIdle = memory();
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  process.stdout.write(
    `${JSON.stringify({ dataDir, readySeconds, atReady, after5s, afterIdle, idleSeconds, load })}\n`,
  );
  child.kill("SIGTERM");
});
child.on("exit", (code) => {
  if (!stdout.includes('"ready":true')) {
    process.stderr.write(`kasse start exited (${code}) before it was ready:\n${stderr}`);
    process.exitCode = 1;
  }
});
