/**
 * What a buyer does to a charge permission in their Amazon account, at
 * `payments.amazon.com/jr/your-account/ba/{chargePermissionId}` (reference §5.2, §12), as admin
 * shortcuts:
 * - `POST /__admin/charge-permissions/{id}/update-payment-method` `{"buyer"?}`: the buyer picks
 *   another instrument (`buyer` as for checkouts: `{"card":"4444"}`, `{"instrument":…}`; default:
 *   the buyer's default instrument); a NonChargeable permission becomes Chargeable again.
 * - `POST /__admin/charge-permissions/{id}/buyer-close`: the buyer cancels the subscription:
 *   Closed/BuyerClosed.
 * Both answer the Charge Permission as Get Charge Permission shows it, and enqueue its IPN.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { AmazonError } from "../errors.js";
import {
  type BuyerChoice,
  type BuyerSelection,
  findTestBuyer,
  parseBuyerSelection,
  resolveBuyer,
  UnknownBuyerSelectionError,
} from "./wallet.js";

export interface BuyerAccountEngine {
  updatePaymentMethodByBuyer(
    chargePermissionId: string,
    choose: (buyerId: string) => BuyerChoice,
  ): Promise<unknown>;
  closeByBuyer(chargePermissionId: string): Promise<unknown>;
}

type Body = Record<string, unknown>;

function bodyOf(value: unknown, known: readonly string[]): Body {
  const body = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Body) : {};
  const unknown = Object.keys(body).find((key) => !known.includes(key));
  if (unknown !== undefined)
    throw new AmazonError("UnrecognizedField", `The field ${unknown} is not recognized.`);
  return body;
}

function selectionOf(body: Body): BuyerSelection {
  try {
    return parseBuyerSelection(body.buyer);
  } catch (error) {
    if (error instanceof UnknownBuyerSelectionError)
      throw new AmazonError("InvalidParameterValue", error.message);
    throw error;
  }
}

/** The permission's own buyer chooses from their wallet; another buyer's selection is refused. */
function chooserFor(selection: BuyerSelection): (buyerId: string) => BuyerChoice {
  return (buyerId) => {
    const buyer = findTestBuyer(buyerId);
    if (buyer === undefined)
      throw new AmazonError("InvalidRequest", `The charge permission's buyer ${buyerId} is unknown.`);
    try {
      return resolveBuyer(buyer.region, { ...selection, buyerId });
    } catch (error) {
      if (error instanceof UnknownBuyerSelectionError) {
        throw new AmazonError(
          "InvalidParameterValue",
          `buyer: ${error.message}; the charge permission belongs to ${buyer.name} (${buyerId}).`,
        );
      }
      throw error;
    }
  };
}

async function answer(reply: FastifyReply, run: () => Promise<unknown>): Promise<FastifyReply> {
  try {
    return reply.send(await run());
  } catch (error) {
    if (error instanceof AmazonError) return reply.code(error.status).send(error.toBody());
    throw error;
  }
}

export async function buyerAccountRoutes(
  app: FastifyInstance,
  options: { engine: BuyerAccountEngine },
): Promise<void> {
  const { engine } = options;

  app.post<{ Params: { id: string } }>(
    "/__admin/charge-permissions/:id/update-payment-method",
    async (request, reply) =>
      answer(reply, async () => {
        const selection = selectionOf(bodyOf(request.body, ["buyer"]));
        return engine.updatePaymentMethodByBuyer(request.params.id, chooserFor(selection));
      }),
  );

  app.post<{ Params: { id: string } }>(
    "/__admin/charge-permissions/:id/buyer-close",
    async (request, reply) =>
      answer(reply, async () => {
        bodyOf(request.body, []);
        return engine.closeByBuyer(request.params.id);
      }),
  );
}
