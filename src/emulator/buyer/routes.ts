/**
 * The buyer side of the emulator over HTTP: `checkout.js`, the button endpoint it posts to, the
 * buyer pages, and the admin shortcuts of CONTRACT.md. Register it on the emulator's fastify
 * instance: `app.register(buyerRoutes, { engine })`. It is encapsulated: its form parser and
 * error handler apply to these routes only.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AmazonError } from "../errors.js";
import { CHANGE_ACTIONS, type ChangeAction, CheckoutFlow } from "./checkout-flow.js";
import type { BuyerEngine, BuyerSession } from "./engine-port.js";
import { createFormTokens, type FormTokens } from "./form-token.js";
import { sendHtml } from "./html.js";
import {
  changePage,
  confirmPage,
  errorPage,
  MFA_CODE,
  selectPage,
  signInPage,
  signInWithAmazonPage,
} from "./pages.js";
import { BUYER_PATHS, pagePath } from "./paths.js";
import { SignInFlow } from "./sign-in-flow.js";
import {
  choiceOf,
  findTestBuyer,
  parseBuyerSelection,
  resolveBuyer,
  type TestBuyer,
  testBuyersOf,
  UnknownBuyerSelectionError,
} from "./wallet.js";

export interface BuyerRoutesOptions {
  engine: BuyerEngine;
  /** Defaults to tokens under a random per-process secret. */
  formTokens?: FormTokens;
}

const CHECKOUT_SCRIPT = readFileSync(new URL("./assets/checkout.js", import.meta.url), "utf8");

const SESSION_ID = /^[A-Za-z0-9._-]{1,100}$/;
const FORM = "application/x-www-form-urlencoded";

/** A refusal of a buyer page; rendered as an HTML error page with this status. */
class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly backUrl: string | null = null,
  ) {
    super(message);
  }
}

type Fields = Record<string, unknown>;

function fieldsOf(value: unknown): Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Fields) : {};
}

function sessionIdFrom(fields: Fields): string {
  const id = fields.amazonCheckoutSessionId;
  if (typeof id !== "string" || !SESSION_ID.test(id)) {
    throw new PageError(400, "Invalid request", "The link is missing a valid amazonCheckoutSessionId.");
  }
  return id;
}

function signInIdFrom(fields: Fields): string {
  const id = fields.signInId;
  if (typeof id !== "string" || !SESSION_ID.test(id)) {
    throw new PageError(400, "Invalid request", "The link is missing a valid signInId.");
  }
  return id;
}

function textField(fields: Fields, name: string): string {
  const value = fields[name];
  if (typeof value !== "string" || value === "") {
    throw new PageError(400, "Invalid request", `The form field ${name} is missing.`);
  }
  return value;
}

/** For JSON bodies of the admin shortcuts: Amazon's codes for missing and mistyped fields (§7). */
function jsonString(body: Fields, name: string, required: true): string;
function jsonString(body: Fields, name: string, required: false): string | undefined;
function jsonString(body: Fields, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw new AmazonError("MissingParameterValue", `The parameter ${name} is required.`);
    return undefined;
  }
  if (typeof value !== "string")
    throw new AmazonError("InvalidParameterValue", `The value provided for ${name} is invalid.`);
  return value;
}

function refuseUnknownFields(body: Fields, known: readonly string[]): void {
  const unknown = Object.keys(body).find((key) => !known.includes(key));
  if (unknown !== undefined)
    throw new AmazonError("UnrecognizedField", `The field ${unknown} is not recognized.`);
}

function selectionFrom(body: Fields) {
  try {
    return parseBuyerSelection(body.buyer);
  } catch (error) {
    if (error instanceof UnknownBuyerSelectionError)
      throw new AmazonError("InvalidParameterValue", error.message);
    throw error;
  }
}

function changeActionOf(value: unknown): ChangeAction {
  if (typeof value !== "string" || !(CHANGE_ACTIONS as readonly string[]).includes(value)) {
    throw new AmazonError(
      "InvalidParameterValue",
      `changeAction must be one of ${CHANGE_ACTIONS.join(", ")}.`,
    );
  }
  return value as ChangeAction;
}

/** fastify's own refusals (malformed JSON, body too large, unknown content type) carry a 4xx. */
function clientErrorStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}

/** The endpoints checkout.js posts to from the merchant's origin (CORS). */
const BUTTON_PATHS: readonly string[] = [BUYER_PATHS.button, BUYER_PATHS.signInButton];

function isJsonRoute(request: FastifyRequest): boolean {
  const url = request.routeOptions.url ?? request.url;
  return url.startsWith("/__admin/") || BUTTON_PATHS.includes(url);
}

const BUTTON_FIELDS = ["payloadJSON", "signature", "publicKeyId", "algorithm"] as const;

/** The signed payload of a button or shortcut body (fields checked with Amazon's codes). */
function buttonPayloadOf(body: Fields) {
  return {
    payloadJSON: jsonString(body, "payloadJSON", true),
    signature: jsonString(body, "signature", true),
    publicKeyId: jsonString(body, "publicKeyId", true),
    algorithm: jsonString(body, "algorithm", false),
  };
}

/** What checkout.js posts after a click: the payload, plus the button's merchantId and sandbox flag. */
function buttonClickOf(body: Fields) {
  refuseUnknownFields(body, [...BUTTON_FIELDS, "merchantId", "sandbox"]);
  if (body.sandbox !== undefined && typeof body.sandbox !== "boolean") {
    throw new AmazonError("InvalidParameterValue", "The value provided for sandbox is invalid.");
  }
  return {
    button: buttonPayloadOf(body),
    options: {
      ...(typeof body.sandbox === "boolean" ? { sandbox: body.sandbox } : {}),
      ...(typeof body.merchantId === "string" ? { merchantId: body.merchantId } : {}),
    },
  };
}

export async function buyerRoutes(app: FastifyInstance, options: BuyerRoutesOptions): Promise<void> {
  const flow = new CheckoutFlow(options.engine);
  const signInFlow = new SignInFlow(options.engine);
  const tokens = options.formTokens ?? createFormTokens();

  if (!app.hasContentTypeParser(FORM)) {
    app.addContentTypeParser(FORM, { parseAs: "string", bodyLimit: 16 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }

  app.setErrorHandler((error, request, reply) => {
    const clientStatus = clientErrorStatus(error);
    if (isJsonRoute(request)) {
      if (BUTTON_PATHS.includes(request.routeOptions.url ?? ""))
        reply.header("access-control-allow-origin", "*");
      const amazon =
        error instanceof AmazonError
          ? error
          : clientStatus === undefined
            ? undefined
            : new AmazonError("InvalidRequestFormat", (error as Error).message, clientStatus);
      if (amazon === undefined) {
        request.log.error({ err: error }, "buyer route failed");
        return reply.code(500).send({ reasonCode: "InternalServerError", message: "Internal error." });
      }
      return reply.code(amazon.status).send(amazon.toBody());
    }
    if (error instanceof PageError) {
      return sendHtml(reply, error.status, errorPage(error.title, error.message, error.backUrl));
    }
    if (error instanceof AmazonError) {
      const title = error.status === 404 ? "Checkout not found" : "This checkout cannot continue";
      return sendHtml(reply, error.status, errorPage(title, error.message));
    }
    if (clientStatus !== undefined) {
      return sendHtml(reply, clientStatus, errorPage("Invalid request", (error as Error).message));
    }
    request.log.error({ err: error }, "buyer page failed");
    return sendHtml(reply, 500, errorPage("Something went wrong", "The emulator could not show this page."));
  });

  /** The session for a page, open, with a way back to the shop for the error page. */
  async function openSession(id: string): Promise<BuyerSession> {
    const view = await flow.session(id).catch((error: unknown) => {
      if (error instanceof AmazonError && error.reasonCode === "ResourceNotFound") {
        throw new PageError(
          404,
          "Checkout not found",
          `There is no checkout session ${id}. It may have expired.`,
        );
      }
      throw error;
    });
    const { state, reasonCode } = view.session.statusDetails;
    if (state !== "Open") {
      throw new PageError(
        409,
        "This checkout has ended",
        `Checkout session ${id} is ${state}${reasonCode ? ` (${reasonCode})` : ""}.`,
        leaveUrlOrNull(view),
      );
    }
    return view;
  }

  function leaveUrlOrNull(view: BuyerSession): string | null {
    try {
      return flow.leaveUrlOf(view);
    } catch {
      return null;
    }
  }

  function checkToken(id: string, fields: Fields): void {
    if (!tokens.verify(id, fields.token)) {
      throw new PageError(
        403,
        "Request refused",
        "This form was not sent from the Amazon Pay page for this checkout. Open the checkout again.",
      );
    }
  }

  function buyerOf(view: BuyerSession, buyerId: unknown): TestBuyer {
    const buyer = typeof buyerId === "string" ? findTestBuyer(buyerId) : undefined;
    if (buyer === undefined || buyer.region !== view.region) {
      throw new PageError(400, "Invalid request", "Choose one of the test buyers shown on the sign-in page.");
    }
    return buyer;
  }

  function signedInBuyer(view: BuyerSession): TestBuyer {
    if (view.choice === null) {
      throw new PageError(
        409,
        "Not signed in",
        "No buyer has signed in on this checkout yet. Start again from the Amazon Pay button.",
        leaveUrlOrNull(view),
      );
    }
    return buyerOf(view, view.choice.buyerId);
  }

  /** Runs a buyer action and answers like Amazon: a 303 to wherever the buyer goes next. */
  function redirect(reply: FastifyReply, location: string) {
    return reply.code(303).header("location", location).header("cache-control", "no-store").send();
  }

  function wrapPageChoice<T>(make: () => T): T {
    try {
      return make();
    } catch (error) {
      if (error instanceof UnknownBuyerSelectionError)
        throw new PageError(400, "Invalid request", error.message);
      throw error;
    }
  }

  // ─── checkout.js and the button ─────────────────────────────────────────────────────────────

  app.get(BUYER_PATHS.checkoutScript, async (_request, reply) =>
    reply
      .header("content-type", "application/javascript; charset=utf-8")
      .header("cache-control", "no-cache")
      .header("access-control-allow-origin", "*")
      .send(CHECKOUT_SCRIPT),
  );

  // checkout.js runs on the merchant's origin and posts JSON here: a CORS preflight comes first.
  for (const path of BUTTON_PATHS) {
    app.options(path, async (_request, reply) =>
      reply
        .code(204)
        .header("access-control-allow-origin", "*")
        .header("access-control-allow-methods", "POST")
        .header("access-control-allow-headers", "content-type")
        .header("access-control-max-age", "600")
        .send(),
    );
  }

  app.post(BUYER_PATHS.button, async (request, reply) => {
    const click = buttonClickOf(fieldsOf(request.body));
    const checkoutSessionId = await flow.startButtonCheckout(click.button, click.options);
    return reply.header("access-control-allow-origin", "*").send({
      checkoutSessionId,
      redirectUrl: pagePath(BUYER_PATHS.signIn, { amazonCheckoutSessionId: checkoutSessionId }),
    });
  });

  // ─── pages ──────────────────────────────────────────────────────────────────────────────────

  app.get(BUYER_PATHS.signIn, async (request, reply) => {
    const id = sessionIdFrom(fieldsOf(request.query));
    const view = await openSession(id);
    return sendHtml(
      reply,
      200,
      signInPage(view, testBuyersOf(view.region), tokens.issue(id), leaveUrlOrNull(view)),
    );
  });

  app.post(BUYER_PATHS.signIn, async (request, reply) => {
    const fields = fieldsOf(request.body);
    const id = sessionIdFrom(fields);
    checkToken(id, fields);
    const view = await openSession(id);
    const buyer = buyerOf(view, fields.buyerId);
    return redirect(
      reply,
      pagePath(BUYER_PATHS.select, { amazonCheckoutSessionId: id, buyerId: buyer.buyerId }),
    );
  });

  app.get(BUYER_PATHS.select, async (request, reply) => {
    const query = fieldsOf(request.query);
    const id = sessionIdFrom(query);
    const view = await openSession(id);
    const buyer = buyerOf(view, query.buyerId);
    return sendHtml(reply, 200, selectPage(view, buyer, tokens.issue(id), leaveUrlOrNull(view)));
  });

  app.post(BUYER_PATHS.select, async (request, reply) => {
    const fields = fieldsOf(request.body);
    const id = sessionIdFrom(fields);
    checkToken(id, fields);
    const view = await openSession(id);
    const buyer = buyerOf(view, fields.buyerId);
    const addressId =
      typeof fields.addressId === "string" ? fields.addressId : (buyer.addresses[0]?.addressId ?? "");
    const choice = wrapPageChoice(() =>
      choiceOf(buyer.buyerId, addressId, textField(fields, "instrumentId")),
    );
    return redirect(reply, await flow.signIn(id, choice));
  });

  app.get(BUYER_PATHS.confirm, async (request, reply) => {
    const id = sessionIdFrom(fieldsOf(request.query));
    const view = await openSession(id);
    const buyer = signedInBuyer(view);
    const constraints = view.session.constraints.map((constraint) => constraint.constraintId);
    if (constraints.length > 0) {
      throw new PageError(
        409,
        "This checkout is not ready",
        `The shop has not finished this checkout session (${constraints.join(", ")}).`,
        leaveUrlOrNull(view),
      );
    }
    return sendHtml(reply, 200, confirmPage(view, buyer, tokens.issue(id)));
  });

  app.post(BUYER_PATHS.confirm, async (request, reply) => {
    const fields = fieldsOf(request.body);
    const id = sessionIdFrom(fields);
    checkToken(id, fields);
    const view = await openSession(id);
    const buyer = signedInBuyer(view);
    if (fields.code !== MFA_CODE) {
      // A failed challenge changes nothing: the buyer may try again or cancel.
      return sendHtml(
        reply,
        400,
        confirmPage(view, buyer, tokens.issue(id), "The one-time code is wrong. Try again."),
      );
    }
    return redirect(reply, await flow.authenticate(id));
  });

  app.post(BUYER_PATHS.cancel, async (request, reply) => {
    const fields = fieldsOf(request.body);
    const id = sessionIdFrom(fields);
    checkToken(id, fields);
    await openSession(id);
    return redirect(reply, await flow.cancel(id));
  });

  app.get(BUYER_PATHS.change, async (request, reply) => {
    const query = fieldsOf(request.query);
    const id = sessionIdFrom(query);
    const action = pageChangeAction(query.changeAction);
    const view = await openSession(id);
    const buyer = signedInBuyer(view);
    if (action === "changeAddress" && view.session.productType === "PayOnly") {
      throw new PageError(400, "Invalid request", "This checkout has no shipping address to change.");
    }
    return sendHtml(reply, 200, changePage(view, buyer, action, tokens.issue(id)));
  });

  app.post(BUYER_PATHS.change, async (request, reply) => {
    const fields = fieldsOf(request.body);
    const id = sessionIdFrom(fields);
    checkToken(id, fields);
    const action = pageChangeAction(fields.changeAction);
    const view = await openSession(id);
    const buyer = signedInBuyer(view);
    const current = view.choice as NonNullable<BuyerSession["choice"]>;
    const choice = wrapPageChoice(() =>
      action === "changeAddress"
        ? choiceOf(buyer.buyerId, textField(fields, "addressId"), current.instrumentId)
        : choiceOf(
            buyer.buyerId,
            current.addressId ?? buyer.addresses[0]?.addressId ?? "",
            textField(fields, "instrumentId"),
          ),
    );
    return redirect(
      reply,
      await flow.applyChange(id, action === "changeAddress" ? choice.address : choice.instrument),
    );
  });

  function pageChangeAction(value: unknown): ChangeAction {
    try {
      return changeActionOf(value);
    } catch (error) {
      if (error instanceof AmazonError) throw new PageError(400, "Invalid request", error.message);
      throw error;
    }
  }

  // ─── SignIn button (§2.5, §4.6) ──────────────────────────────────────────────────────────────

  app.post(BUYER_PATHS.signInButton, async (request, reply) => {
    const click = buttonClickOf(fieldsOf(request.body));
    const signInId = await signInFlow.start(click.button, click.options);
    return reply.header("access-control-allow-origin", "*").send({
      signInId,
      redirectUrl: pagePath(BUYER_PATHS.signInWithAmazon, { signInId }),
    });
  });

  const signInToken = (signInId: string) => tokens.issue(`signin:${signInId}`);

  /** The sign-in for a page: it must exist and still wait for the buyer; the form token must match. */
  async function openSignIn(fields: Fields, checkFormToken: boolean) {
    const signInId = signInIdFrom(fields);
    if (checkFormToken && !tokens.verify(`signin:${signInId}`, fields.token)) {
      throw new PageError(
        403,
        "Request refused",
        "This form was not sent from the Amazon sign-in page. Click the shop's button again.",
      );
    }
    const view = await signInFlow.view(signInId).catch((error: unknown) => {
      if (error instanceof AmazonError && error.reasonCode === "ResourceNotFound")
        throw new PageError(404, "Sign-in not found", `There is no sign-in ${signInId}.`);
      throw error;
    });
    if (view.state !== "Open") {
      throw new PageError(
        409,
        "This sign-in has ended",
        `Sign-in ${signInId} is ${view.state}. Click the shop's button again.`,
        view.signInCancelUrl,
      );
    }
    return view;
  }

  app.get(BUYER_PATHS.signInWithAmazon, async (request, reply) => {
    const view = await openSignIn(fieldsOf(request.query), false);
    return sendHtml(
      reply,
      200,
      signInWithAmazonPage(view, testBuyersOf(view.region), signInToken(view.signInId)),
    );
  });

  app.post(BUYER_PATHS.signInWithAmazon, async (request, reply) => {
    const fields = fieldsOf(request.body);
    const view = await openSignIn(fields, true);
    const buyer = typeof fields.buyerId === "string" ? findTestBuyer(fields.buyerId) : undefined;
    if (buyer === undefined || buyer.region !== view.region) {
      throw new PageError(400, "Invalid request", "Choose one of the test buyers shown on the sign-in page.");
    }
    const choice = wrapPageChoice(() => resolveBuyer(view.region, { buyerId: buyer.buyerId }));
    return redirect(reply, (await signInFlow.signIn(view.signInId, choice)).redirectUrl);
  });

  app.post(BUYER_PATHS.signInCancel, async (request, reply) => {
    const view = await openSignIn(fieldsOf(request.body), true);
    return redirect(reply, await signInFlow.cancel(view.signInId));
  });

  // ─── admin shortcuts (CONTRACT.md) ──────────────────────────────────────────────────────────

  app.post("/__admin/button-signin", async (request) => {
    const body = fieldsOf(request.body);
    refuseUnknownFields(body, [...BUTTON_FIELDS, "buyer"]);
    return signInFlow.buttonSignIn(buttonPayloadOf(body), selectionFrom(body));
  });

  app.post("/__admin/button-checkout", async (request) => {
    const body = fieldsOf(request.body);
    refuseUnknownFields(body, [...BUTTON_FIELDS, "buyer"]);
    return flow.buttonCheckout(buttonPayloadOf(body), selectionFrom(body));
  });

  app.post<{ Params: { id: string } }>("/__admin/checkout-sessions/:id/approve", async (request) => {
    const body = fieldsOf(request.body);
    refuseUnknownFields(body, ["buyer"]);
    return { redirectUrl: await flow.approve(request.params.id, selectionFrom(body)) };
  });

  app.post<{ Params: { id: string } }>("/__admin/checkout-sessions/:id/authenticate", async (request) => {
    refuseUnknownFields(fieldsOf(request.body), []);
    return { redirectUrl: await flow.authenticate(request.params.id) };
  });

  app.post<{ Params: { id: string } }>("/__admin/checkout-sessions/:id/change", async (request) => {
    const body = fieldsOf(request.body);
    refuseUnknownFields(body, ["changeAction", "buyer"]);
    const action = changeActionOf(body.changeAction);
    return { redirectUrl: await flow.change(request.params.id, action, selectionFrom(body)) };
  });
}
