/**
 * Every Amazon Pay v2 operation the emulator answers: the one registration point. A resource
 * module (e.g. the reports module) exports its `ApiOperation[]` and is added to this list.
 */

import { REPORT_OPERATIONS } from "../reports/index.js";
import { BUYER_OPERATIONS } from "./buyers.js";
import { CHARGE_PERMISSION_OPERATIONS } from "./charge-permissions.js";
import { CHARGE_OPERATIONS } from "./charges.js";
import { CHECKOUT_SESSION_OPERATIONS } from "./checkout-sessions.js";
import type { ApiOperation } from "./operation.js";
import { REFUND_OPERATIONS } from "./refunds.js";

export const API_OPERATIONS: readonly ApiOperation[] = [
  ...CHECKOUT_SESSION_OPERATIONS,
  ...CHARGE_PERMISSION_OPERATIONS,
  ...CHARGE_OPERATIONS,
  ...REFUND_OPERATIONS,
  ...BUYER_OPERATIONS,
  ...REPORT_OPERATIONS,
];

export type { ApiOperation, OperationCall } from "./operation.js";
