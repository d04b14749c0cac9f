/**
 * Accounting (docs/accounting.md): Amazon Pay settlements imported, booked and exported for DATEV.
 * The JSON API and the back office call {@link Accounting}'s methods; the gateway wires it with
 * {@link setUpAccounting} and registers {@link accountingAdminRoutes}.
 */
export { Accounting, type Preview, SettingsError, UnknownMerchantError } from "./accounting.js";
export type { DatevSettings, SettlementSummary } from "./accounting-store.js";
export { type AccountingAdminOptions, accountingAdminRoutes } from "./admin-routes.js";
export { CHARTS, type Chart, DEFAULT_RULES, type RuleSet, RuleSetError } from "./booking-rules.js";
export { type DatevExportRequest, ExportError, type ExportedFiles } from "./datev-export.js";
export { validateExtf } from "./extf-validator.js";
export type { Difference, Reconciliation } from "./reconciliation.js";
export { type PeriodGap, periodGapCounts } from "./settlement-gaps.js";
export type { ImportResult } from "./settlement-import.js";
export { SettlementFileError } from "./settlement-parser.js";
export { type AccountingSetup, setUpAccounting } from "./setup.js";
