/**
 * The Paygate door's data kept with a payment (the payment steps carry it unread, as `DoorData`):
 * the shop's URLs and the echoes every later answer and notify needs.
 */
import type { DoorData } from "../../core/outcome.js";
import type { DataScheme } from "../crypto.js";
import type { AnswerContext, PaygateMerchant } from "./receive.js";

export interface PaygateShop {
  readonly urlSuccess: string;
  readonly urlFailure: string;
  readonly urlNotify: string;
  readonly urlCancel: string | undefined;
  readonly shopUrl: string;
  readonly userData: string | undefined;
  readonly custom: string | undefined;
  readonly scheme: DataScheme;
}

/** The door's data as this door wrote it (init, RTF=R). */
export function shopOf(door: DoorData): PaygateShop {
  return door as unknown as PaygateShop;
}

export function doorDataOf(shop: PaygateShop): DoorData {
  return shop as unknown as DoorData;
}

export function answerContextOf(merchant: PaygateMerchant, shop: PaygateShop): AnswerContext {
  return { merchant, scheme: shop.scheme, custom: shop.custom, userData: shop.userData };
}
