/**
 * The demo shop of `kasse demo`: products, a cart with the Amazon Pay button (rendered by the
 * emulator's checkout.js stand-in from the button data of Kasse's init call), a review page
 * with Amazon's change-address/change-payment actions and a pay button that is enabled only
 * after Kasse confirmed the amount (seed 004 step 9: UpdateAuthorizeAmount), and a confirmation
 * page that trusts only `Code=00000000` with a valid MAC, once per order — a replayed or forged
 * return books nothing. It speaks Paygate only through the shop-side client, as a real shop
 * would, over HTTPS to the gateway. State is in memory: it is a demo.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { Agent, request as send } from "undici";
import { html, type SafeHtml } from "../http/html.js";
import { serverOptions } from "../http/operations.js";
import type { CertificatePem } from "../http/tls.js";
import { httpsServerOptions } from "../http/tls.js";
import type { Logger } from "../log.js";
import { buildRequest, readAnswer, type ShopCredentials } from "../paygate/client.js";
import {
  completionResult,
  initRequest,
  initResponse,
  reviewRedirect,
  updateAmountRequest,
  updateAmountResponse,
} from "../paygate/tables.js";
import { assetRoutes, assetUrl } from "./assets.js";
import { LANGUAGE_COOKIE, pickLanguage, type Translate, translator } from "./i18n.js";
import { message } from "./layout.js";
import { sendPage } from "./security-headers.js";
import { cookieValue } from "./sessions.js";

export interface DemoShopOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: CertificatePem;
  readonly logger: Logger;
  /** The gateway's URL (Paygate endpoints) and the certificate it presents. */
  readonly gatewayUrl: string;
  readonly gatewayCa: string;
  /** The emulator that serves checkout.js. */
  readonly emulatorUrl: string;
  readonly shop: ShopCredentials;
  /** The Amazon merchant id the button is rendered for. */
  readonly amazonMerchantId: string;
  /** Where "see it in the back office" points. */
  readonly backOfficeUrl: string;
}

export interface RunningDemoShop {
  readonly url: string;
  close(): Promise<void>;
}

interface Product {
  readonly id: string;
  readonly name: { readonly en: string; readonly de: string };
  readonly price: number;
}

export const PRODUCTS: readonly Product[] = [
  { id: "mug", name: { en: "Kasse mug", de: "Kasse-Tasse" }, price: 1290 },
  { id: "shirt", name: { en: "T-shirt “Paygate”", de: "T-Shirt „Paygate“" }, price: 2490 },
  { id: "socks", name: { en: "Socks (3 pairs)", de: "Socken (3 Paar)" }, price: 990 },
];
/** Express stays within what Amazon lets an authorisation grow by (about 15 %, reference §5). */
const SHIPPING = { standard: 0, express: 190 } as const;
type Shipping = keyof typeof SHIPPING;

interface Order {
  readonly transId: string;
  readonly payId: string;
  readonly items: Readonly<Record<string, number>>;
  readonly subtotal: number;
  shipping: Shipping;
  /** The amount Kasse last confirmed with Code 00000000 (UpdateAuthorizeAmount). */
  confirmedAmount?: number;
  review?: Readonly<Record<string, string | undefined>>;
  state: "awaitingBuyer" | "review" | "paid" | "failed";
}

const CART_COOKIE = "demo-cart";
const euro = (minor: number) => `${(minor / 100).toFixed(2)} EUR`;
const totalOf = (order: Order) => order.subtotal + SHIPPING[order.shipping];

export async function startDemoShop(options: DemoShopOptions): Promise<RunningDemoShop> {
  const carts = new Map<string, Record<string, number>>();
  const orders = new Map<string, Order>();
  const agent = new Agent({ connect: { ca: options.gatewayCa, rejectUnauthorized: true } });
  let origin = "";
  let transSeq = 0;

  // URLNotify arrives over plain HTTP on loopback (Kasse allows that for emulator merchants);
  // the demo only acknowledges it — the signed browser return is what it trusts.
  const notifyServer: Server = createServer((incoming, outgoing) => {
    incoming.resume();
    incoming.on("end", () => outgoing.writeHead(200).end("ok"));
  });
  await new Promise<void>((resolve) => notifyServer.listen(0, "127.0.0.1", resolve));
  const notifyUrl = `http://127.0.0.1:${(notifyServer.address() as AddressInfo).port}/notify`;

  const { nodeServer, ...fastifyOptions } = serverOptions();
  const app = Fastify({
    loggerInstance: options.logger,
    ...fastifyOptions,
    ...{ https: { ...nodeServer, ...httpsServerOptions(options.tls) } },
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  app.register(assetRoutes);
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: 16 * 1024 },
    (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  const translate = (request: FastifyRequest): { t: Translate; language: "en" | "de" } => {
    const language = pickLanguage(
      request.headers["accept-language"],
      cookieValue(request.headers.cookie, LANGUAGE_COOKIE),
    );
    return { t: translator(language), language };
  };
  const buttonPage = { amazonButton: { emulatorOrigin: options.emulatorUrl } };

  function frame(request: FastifyRequest, title: string, body: SafeHtml, withButton = false): string {
    const { t, language } = translate(request);
    return `<!doctype html>${
      html`<html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t("shop.title")}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${assetUrl("kasse.css")}">
${withButton ? html`<script src="${options.emulatorUrl}/checkout.js"></script>` : ""}<script type="module" src="${assetUrl("shop.js")}"></script></head>
<body><p class="demo-note">${t("shop.demoNote")}</p><header class="top"><a class="brand" href="/">${t("shop.title")}</a><a href="/cart" id="cart-link">${t("shop.cart")}</a></header>
<main id="content">${body}</main></body></html>`.markup
    }`;
  }

  function cartOf(request: FastifyRequest, reply: FastifyReply): Record<string, number> {
    let id = cookieValue(request.headers.cookie, CART_COOKIE);
    if (!id || !carts.has(id)) {
      id = randomBytes(16).toString("hex");
      carts.set(id, {});
      reply.header("set-cookie", `${CART_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=Lax`);
    }
    return carts.get(id) as Record<string, number>;
  }

  /** A server-to-server Paygate call; the answer body as text. */
  async function paygate(page: string, body: string): Promise<string> {
    const response = await send(`${options.gatewayUrl}/${page}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      dispatcher: agent,
    });
    return response.body.text();
  }

  app.get("/", async (request, reply) => {
    const { t, language } = translate(request);
    cartOf(request, reply);
    const body = html`<h1>${t("shop.products")}</h1><div class="products">${PRODUCTS.map(
      (
        product,
      ) => html`<form class="card" method="post" action="/cart"><h2>${product.name[language]}</h2><p>${euro(product.price)}</p>
<input type="hidden" name="product" value="${product.id}"><button type="submit" id="add-${product.id}">${t("shop.addToCart")}</button></form>`,
    )}</div>`;
    return sendPage(reply, frame(request, t("shop.products"), body));
  });

  app.post("/cart", async (request, reply) => {
    const cart = cartOf(request, reply);
    const product = PRODUCTS.find(
      (candidate) => candidate.id === (request.body as Record<string, string>).product,
    );
    if (product) cart[product.id] = (cart[product.id] ?? 0) + 1;
    return reply.redirect("/cart", 303);
  });

  app.get("/cart", async (request, reply) => {
    const { t, language } = translate(request);
    const cart = cartOf(request, reply);
    const lines = PRODUCTS.filter((product) => (cart[product.id] ?? 0) > 0);
    if (lines.length === 0)
      return sendPage(
        reply,
        frame(request, t("shop.cart"), html`<h1>${t("shop.cart")}</h1><p>${t("shop.cartEmpty")}</p>`),
      );
    const subtotal = lines.reduce((sum, product) => sum + product.price * (cart[product.id] ?? 0), 0);
    transSeq += 1;
    const transId = `DEMO-${Date.now().toString(36).toUpperCase()}-${transSeq}`;
    const built = buildRequest(options.shop, initRequest, {
      TransID: transId,
      CountryCode: "EU",
      Amount: subtotal,
      Currency: "EUR",
      URLSuccess: `${origin}/return/success`,
      URLFailure: `${origin}/return/failure`,
      URLNotify: notifyUrl,
      URLCancel: `${origin}/cart`,
      ShopUrl: `${origin}/review`,
      TxType: "Authorize",
      OrderDesc: "Kasse demo order",
    } as never);
    const answer = readAnswer(options.shop, initResponse, await paygate("amazonAPA.aspx", built.body));
    if (!answer.ok || !answer.succeeded) {
      const why = answer.ok ? `${answer.values.Description ?? ""} (${answer.code})` : answer.failure;
      return sendPage(
        reply,
        frame(request, t("shop.cart"), message("error", t("shop.notTrusted", { reason: why }))),
        {},
        502,
      );
    }
    const payId = answer.values.PayID as string;
    orders.set(payId, {
      transId,
      payId,
      items: { ...cart },
      subtotal,
      shipping: "standard",
      state: "awaitingBuyer",
    });
    const config = {
      merchantId: options.amazonMerchantId,
      ledgerCurrency: "EUR",
      sandbox: true,
      checkoutLanguage: language === "de" ? "de_DE" : "en_GB",
      productType: "PayAndShip",
      placement: "Cart",
      buttonColor: "Gold",
      createCheckoutSessionConfig: {
        payloadJSON: answer.values.buttonpayload,
        signature: answer.values.buttonsignature,
        publicKeyId: answer.values.buttonpublickeyid,
        // No algorithm: Kasse signs button payloads with checkout.js's default (AMZN-PAY-RSASSA-PSS).
      },
    };
    const body = html`<h1>${t("shop.cart")}</h1><div class="card table-wrap"><table>
${lines.map((product) => html`<tr><td>${cart[product.id] ?? 0} × ${product.name[language]}</td><td class="num">${euro(product.price * (cart[product.id] ?? 0))}</td></tr>`)}
<tr><th>${t("shop.total")}</th><th class="num" id="total">${euro(subtotal)}</th></tr></table>
<p>${t("shop.payWithAmazon")}</p><div id="AmazonPayButton" data-config="${JSON.stringify(config)}"></div></div>`;
    return sendPage(reply, frame(request, t("shop.cart"), body, true), buttonPage);
  });

  function reviewPage(
    request: FastifyRequest,
    reply: FastifyReply,
    order: Order,
    feedback?: SafeHtml,
    status = 200,
  ) {
    const { t, language } = translate(request);
    const review = order.review ?? {};
    const total = totalOf(order);
    const confirmed = order.confirmedAmount === total;
    const sessionId = review.AmazoncheckoutSessionid ?? "";
    const body = html`<h1>${t("shop.review")}</h1>${feedback ?? ""}
<section class="card"><h2>${t("shop.shipTo")}</h2><p id="address">${review.AddrName ?? ""}<br>${review.AddrStreet ?? ""}<br>${review.AddrZip ?? ""} ${review.AddrCity ?? ""} ${review.AddrCountrycode ?? ""}</p>
<a href="#" id="change-address" data-change-action="changeAddress" data-session-id="${sessionId}">${t("shop.changeAddress")}</a></section>
<section class="card"><h2>${t("shop.payWith")}</h2><p id="payment">${review.AmazonPaymentDescriptor ?? ""}</p>
<a href="#" id="change-payment" data-change-action="changePayment" data-session-id="${sessionId}">${t("shop.changePayment")}</a></section>
<section class="card"><div class="table-wrap"><table>${PRODUCTS.filter(
      (product) => (order.items[product.id] ?? 0) > 0,
    ).map(
      (product) =>
        html`<tr><td>${order.items[product.id] ?? 0} × ${product.name[language]}</td><td class="num">${euro(product.price * (order.items[product.id] ?? 0))}</td></tr>`,
    )}</table></div>
<form method="post" action="/review/amount"><input type="hidden" name="payId" value="${order.payId}">
<fieldset><legend>${t("shop.shipping")}</legend>
<label><input type="radio" name="shipping" value="standard"${order.shipping === "standard" ? html` checked` : ""}> Standard (0.00 EUR)</label>
<label><input type="radio" name="shipping" value="express"${order.shipping === "express" ? html` checked` : ""}> ${t("shop.express", { price: euro(SHIPPING.express) })}</label></fieldset>
<p><strong>${t("shop.total")}: <span id="total">${euro(total)}</span></strong></p>
<button type="submit" class="secondary" id="update-amount">${t("shop.updateAmount")}</button></form>
${confirmed ? message("ok", t("shop.amountUpdated", { amount: euro(total) })) : message("warn", t("shop.amountNotUpdated"))}
${
  confirmed && review.AmazonpayRedirectUrl
    ? html`<a class="button" id="pay" href="${review.AmazonpayRedirectUrl}">${t("shop.pay")}</a>`
    : html`<button type="button" id="pay" disabled>${t("shop.pay")}</button>`
}</section>`;
    return sendPage(
      reply,
      frame(request, t("shop.review"), body, true),
      { ...buttonPage, formAction: [] },
      status,
    );
  }

  app.get("/review", async (request, reply) => {
    const { t } = translate(request);
    const answer = readAnswer(options.shop, reviewRedirect, new URL(request.url, origin));
    const order = answer.ok && answer.macVerified ? orders.get(answer.values.PayID ?? "") : undefined;
    if (!answer.ok || !answer.macVerified || !order || order.state === "paid") {
      return sendPage(
        reply,
        frame(
          request,
          t("shop.review"),
          message("error", t("shop.notTrusted", { reason: answer.ok ? "unknown order" : answer.failure })),
        ),
        {},
        400,
      );
    }
    order.review = answer.values as Record<string, string>;
    order.state = "review";
    return reviewPage(request, reply, order);
  });

  app.post("/review/amount", async (request, reply) => {
    const { t } = translate(request);
    const form = request.body as Record<string, string>;
    const order = orders.get(form.payId ?? "");
    if (order?.state !== "review") return reply.code(404).send("no such order");
    order.shipping = form.shipping === "express" ? "express" : "standard";
    const amount = totalOf(order);
    const built = buildRequest(options.shop, updateAmountRequest, {
      PayID: order.payId,
      EventToken: "UpdateAuthorizeAmount",
      Amount: amount,
      Currency: "EUR",
      CountryCode: "EU",
    } as never);
    const answer = readAnswer(
      options.shop,
      updateAmountResponse,
      await paygate("amazonAPA.aspx", built.body),
    );
    // Seed 004 step 9: only Code=00000000 enables the pay button, for exactly this amount. (This
    // server-to-server answer carries no MAC; it is authentic because it decrypts with our key over TLS.)
    if (answer.ok && answer.succeeded) {
      order.confirmedAmount = amount;
      return reviewPage(request, reply, order);
    }
    delete order.confirmedAmount;
    const why = answer.ok ? (answer.extra.get("description") ?? answer.values.Status ?? "") : answer.failure;
    return reviewPage(
      request,
      reply,
      order,
      message("error", t("shop.failed", { description: why, code: answer.ok ? (answer.code ?? "") : "" })),
      502,
    );
  });

  async function result(request: FastifyRequest, reply: FastifyReply) {
    const { t } = translate(request);
    const answer = readAnswer(options.shop, completionResult, new URL(request.url, origin));
    if (!answer.ok || !answer.macVerified) {
      return sendPage(
        reply,
        frame(
          request,
          t("shop.thanks"),
          message("error", t("shop.notTrusted", { reason: answer.ok ? "mac" : answer.failure })),
        ),
        {},
        400,
      );
    }
    const order = orders.get(answer.values.PayID ?? "");
    if (!order || answer.values.TransID !== order.transId) {
      return sendPage(
        reply,
        frame(request, t("shop.thanks"), message("error", t("shop.notTrusted", { reason: "unknown order" }))),
        {},
        400,
      );
    }
    if (order.state === "paid" || order.state === "failed") {
      // The same signed return twice is a replay: the order was settled by the first one.
      return sendPage(
        reply,
        frame(
          request,
          t("shop.thanks"),
          message("error", t("shop.notTrusted", { reason: "replayed return" })),
        ),
        {},
        409,
      );
    }
    if (!answer.succeeded) {
      order.state = "failed";
      return sendPage(
        reply,
        frame(
          request,
          t("shop.thanks"),
          message(
            "error",
            t("shop.failed", {
              description: answer.extra.get("description") ?? answer.values.Status ?? "",
              code: answer.code ?? "",
            }),
          ),
        ),
      );
    }
    order.state = "paid";
    const body = html`<h1 id="thanks">${t("shop.thanks")}</h1>${message("ok", t("shop.paid", { payId: order.payId }))}
<p>TransID <code id="trans-id">${order.transId}</code> · ${euro(totalOf(order))}</p>
<p><a href="${options.backOfficeUrl}" id="to-back-office">${t("shop.backOffice")}</a></p>`;
    for (const [id, cart] of carts)
      if (Object.keys(cart).length > 0 && id === cookieValue(request.headers.cookie, CART_COOKIE))
        carts.set(id, {});
    return sendPage(reply, frame(request, t("shop.thanks"), body));
  }
  app.get("/return/success", result);
  app.get("/return/failure", result);

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address() as AddressInfo;
  origin = `https://${options.host.includes(":") ? `[${options.host}]` : options.host === "0.0.0.0" ? "127.0.0.1" : options.host}:${address.port}`;
  return {
    url: origin,
    async close() {
      await app.close();
      await new Promise<void>((resolve) => notifyServer.close(() => resolve()));
      await agent.close();
    },
  };
}
