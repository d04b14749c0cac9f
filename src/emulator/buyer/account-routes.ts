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
 * The same actions as HTML pages a person can click through, at Amazon's own path on the
 * emulator's origin: `GET /jr/your-account/ba/{id}` (the link Amazon tells merchants to give
 * their buyers), with forms posting to `…/payment-method` and `…/close`.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ChargePermission } from "../../amazon/wire.js";
import { AmazonError } from "../errors.js";
import { createFormTokens } from "./form-token.js";
import { sendHtml } from "./html.js";
import { buyerAccountPage, errorPage } from "./pages.js";
import {
  type BuyerChoice,
  type BuyerSelection,
  findTestBuyer,
  parseBuyerSelection,
  resolveBuyer,
  type TestBuyer,
  UnknownBuyerSelectionError,
} from "./wallet.js";

export interface BuyerAccountEngine {
  loadBuyerAccount(
    chargePermissionId: string,
  ): Promise<{ merchantName: string; permission: ChargePermission } | undefined>;
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

/** Where the account page of a permission lives on the emulator (Amazon's path). */
export function buyerAccountPath(chargePermissionId: string): string {
  return `/jr/your-account/ba/${encodeURIComponent(chargePermissionId)}`;
}

const FORM = "application/x-www-form-urlencoded";

export async function buyerAccountRoutes(
  app: FastifyInstance,
  options: { engine: BuyerAccountEngine },
): Promise<void> {
  const { engine } = options;
  const tokens = createFormTokens();
  const tokenFor = (id: string) => tokens.issue(`account:${id}`);

  if (!app.hasContentTypeParser(FORM)) {
    app.addContentTypeParser(FORM, { parseAs: "string", bodyLimit: 16 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }

  /** Runs a page action; Amazon's refusals become an error page with their status. */
  async function page(reply: FastifyReply, run: () => Promise<FastifyReply>): Promise<FastifyReply> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof AmazonError)) throw error;
      const title = error.status === 404 ? "Agreement not found" : "This change is not possible";
      return sendHtml(reply, error.status, errorPage(title, error.message));
    }
  }

  async function accountOf(id: string): Promise<{
    view: { merchantName: string; permission: ChargePermission };
    buyer: TestBuyer;
  }> {
    const view = await engine.loadBuyerAccount(id);
    const buyerId = view?.permission.buyer?.buyerId;
    const buyer = buyerId ? findTestBuyer(buyerId) : undefined;
    if (view === undefined || buyer === undefined)
      throw new AmazonError("ResourceNotFound", `There is no payment agreement ${id}.`);
    return { view, buyer };
  }

  function checkToken(id: string, body: unknown): void {
    if (!tokens.verify(`account:${id}`, (body as Body | undefined)?.token)) {
      throw new AmazonError(
        "InvalidRequest",
        "This form was not sent from your account page. Open it again.",
      );
    }
  }

  const redirectToAccount = (reply: FastifyReply, id: string) =>
    reply.code(303).header("location", buyerAccountPath(id)).header("cache-control", "no-store").send();

  app.get<{ Params: { id: string } }>("/jr/your-account/ba/:id", async (request, reply) =>
    page(reply, async () => {
      const { view, buyer } = await accountOf(request.params.id);
      const base = buyerAccountPath(request.params.id);
      return sendHtml(
        reply,
        200,
        buyerAccountPage(
          view,
          buyer,
          { paymentMethod: `${base}/payment-method`, close: `${base}/close` },
          tokenFor(request.params.id),
        ),
      );
    }),
  );

  app.post<{ Params: { id: string } }>("/jr/your-account/ba/:id/payment-method", async (request, reply) =>
    page(reply, async () => {
      const id = request.params.id;
      checkToken(id, request.body);
      const instrument = (request.body as Body).instrumentId;
      if (typeof instrument !== "string" || instrument === "")
        throw new AmazonError("InvalidParameterValue", "Choose a payment method.");
      await engine.updatePaymentMethodByBuyer(id, chooserFor({ instrument }));
      return redirectToAccount(reply, id);
    }),
  );

  app.post<{ Params: { id: string } }>("/jr/your-account/ba/:id/close", async (request, reply) =>
    page(reply, async () => {
      checkToken(request.params.id, request.body);
      await engine.closeByBuyer(request.params.id);
      return redirectToAccount(reply, request.params.id);
    }),
  );

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
