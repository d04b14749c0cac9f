/**
 * The layers of docs/ARCHITECTURE.md as rules (`npm run lint` runs them; docs/DEPENDENCIES.md says
 * why dependency-cruiser). From the top: the composition root (`src/gateway`, started by
 * `src/cli`) wires the doors (`src/paygate`, later `src/api`, `src/web`) onto the application
 * (`src/payments`), which stands on the domain (`src/core`) and the Amazon connector
 * (`src/amazon`); below them `src/store` and `src/http`. The emulator stands apart.
 * Unit tests (`*.test.ts`) may reach anything they test and are not cruised.
 */
const DOORS = "^src/(paygate|api|web)/";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import circle ties its files into one unit: none can be read, tested or moved alone.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-imports-nothing-of-ours",
      severity: "error",
      comment: "The domain is pure: no I/O, no protocol, no other part of Kasse.",
      from: { path: "^src/core/" },
      to: { path: "^src/", pathNot: "^src/core/" },
    },
    {
      name: "doors-stay-apart",
      severity: "error",
      comment: "A door (Paygate, JSON API, web) never imports another door; they meet in the application.",
      from: { path: "^src/(paygate|api|web)/" },
      // Shared by design: the Principal every door beyond Paygate authorises by (TEAM/issue 10),
      // and the shop-side Paygate client the demo shop (a shop, not a door) speaks through.
      to: { path: DOORS, pathNot: "^src/$1/|^src/api/principal\\.ts$|^src/paygate/(client|tables)\\.ts$" },
    },
    {
      name: "nothing-imports-cli",
      severity: "error",
      comment: "The command line is the outermost shell.",
      from: { pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "only-cli-imports-the-composition-root",
      severity: "error",
      comment:
        "src/gateway wires the process (store, links, doors, workers); only the command line (and kasse bench, which starts its own gateway) start it.",
      from: { path: "^src/", pathNot: "^src/(gateway|cli|bench)/" },
      // kasse demo (src/web/demo.ts) starts on a running gateway; the merchants the back office
      // sets up are an application module of their own (src/merchants).
      to: { path: "^src/gateway/", pathNot: "^src/gateway/index\\.ts$" },
    },
    {
      name: "payments-never-import-a-door",
      severity: "error",
      comment: "The application speaks the domain: no Paygate code, notify body or page.",
      from: { path: "^src/payments/" },
      to: { path: DOORS },
    },
    {
      name: "merchants-are-application",
      severity: "error",
      comment:
        "src/merchants (directory, credentials rules, ports) serves every door that sets merchants up; it imports no door, no payment step and nothing of the process.",
      from: { path: "^src/merchants/" },
      to: { path: "^src/(paygate|api|web|gateway|payments|accounting|emulator|cli|bench)/" },
    },
    {
      name: "below-the-application",
      severity: "error",
      comment: "The domain's neighbours (connector, store, http, notify, log, metrics) never import upwards.",
      from: { path: "^src/(amazon|store|http|notify)/|^src/(log|metrics)\\.ts$" },
      to: { path: "^src/(payments|merchants|paygate|api|web|gateway|emulator|cli|bench)/" },
    },
    {
      name: "emulator-stands-apart",
      severity: "error",
      comment:
        "The emulator shares only the domain, the store, http, Amazon's wire types (SNS messages and the settlement report's columns included) and canonical signing, log and metrics.",
      from: { path: "^src/emulator/" },
      to: {
        path: "^src/",
        pathNot:
          "^src/(emulator|core|store|http)/|^src/amazon/(canonical|signer|wire|sns-message|sns-http|settlement-report)\\.ts$|^src/(log|metrics)\\.ts$",
      },
    },
    {
      name: "only-the-root-imports-the-emulator",
      severity: "error",
      comment: "Kasse meets its emulator over HTTPS, as it meets Amazon; only the process wiring starts it.",
      from: { path: "^src/", pathNot: "^src/(emulator|gateway|cli|bench)/" },
      to: { path: "^src/emulator/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Tests and their helpers (test-database.ts, test-support.ts) may reach what they test.
    exclude: { path: "\\.test\\.ts$|/test-(database|support)\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
