/** Report types and schedule frequencies of the Reports API (reference/amazon-pay-v2.md §13). */

export const SETTLEMENT_REPORT = "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SETTLEMENT_DATA_";
export const SANDBOX_SETTLEMENT_REPORT = "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA_";

/** What each type allows: created on request, scheduled. */
export const REPORT_TYPES: Readonly<Record<string, { requestable: boolean; schedulable: boolean }>> = {
  [SETTLEMENT_REPORT]: { requestable: false, schedulable: false },
  [SANDBOX_SETTLEMENT_REPORT]: { requestable: true, schedulable: false },
  _GET_FLAT_FILE_OFFAMAZONPAYMENTS_ORDER_REFERENCE_DATA_: { requestable: true, schedulable: true },
  _GET_FLAT_FILE_OFFAMAZONPAYMENTS_BILLING_AGREEMENT_DATA_: { requestable: true, schedulable: true },
  _GET_FLAT_FILE_OFFAMAZONPAYMENTS_AUTHORIZATION_DATA_: { requestable: true, schedulable: true },
  // "currently not available via API" (NET ReportTypes.cs, accounting.md §1.3).
  _GET_FLAT_FILE_OFFAMAZONPAYMENTS_CAPTURE_DATA_: { requestable: false, schedulable: false },
  _GET_FLAT_FILE_OFFAMAZONPAYMENTS_REFUND_DATA_: { requestable: true, schedulable: true },
  _GET_CSV_CUSTOM_OFFAMAZONPAYMENTS_MULTI_CURRENCY_PAYMENTS_DATA_: { requestable: true, schedulable: false },
};

export const PROCESSING_STATUSES = ["IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED"] as const;
export type ProcessingStatus = (typeof PROCESSING_STATUSES)[number];

/** NET `ScheduleFrequency.cs`, as milliseconds. */
export const SCHEDULE_FREQUENCIES: Readonly<Record<string, number>> = Object.fromEntries(
  [
    ["PT5M", 5],
    ["PT15M", 15],
    ["PT30M", 30],
    ["PT1H", 60],
    ["PT2H", 120],
    ["PT4H", 240],
    ["PT8H", 480],
    ["PT12H", 720],
    ["PT24H", 1440],
    ["PT84H", 84 * 60],
    ["P1D", 1440],
    ["P2D", 2 * 1440],
    ["P3D", 3 * 1440],
    ["P7D", 7 * 1440],
    ["P14D", 14 * 1440],
    ["P15D", 15 * 1440],
    ["P18D", 18 * 1440],
    ["P30D", 30 * 1440],
  ].map(([name, minutes]) => [name, (minutes as number) * 60_000]),
);
