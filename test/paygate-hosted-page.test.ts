/**
 * The hosted payment page in Chromium (playwright-core, Debian's chromium): a shop sends the
 * buyer's browser to `amazonAPA.aspx` with the encrypted MerchantID/Len/Data of an init, as
 * FATCHIP's redirect payments do; the page shows the order and the emulator's Amazon Pay button;
 * the buyer pays at the emulated Amazon and lands on URLSuccess with an answer that decrypts to
 * Code=00000000 with a valid MAC (APB straight; standard checkout through the shop's ShopUrl and
 * AmazonpayRedirectUrl), and the shop gets the same notify as in the server-to-server flow. A
 * buyer who goes back from Amazon lands on URLFailure (no URLCancel given). A request that does
 * not decrypt gets a page naming the refusal. A shop's server call to the same page keeps its
 * `Len=…&Data=…` answer, byte for byte, whatever a browser did in between.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { request } from "undici";
import { buildRequest, readAnswer, type ShopCredentials } from "../src/paygate/client.js";
import {
  apbInitRequest,
  completionResult,
  initRequest,
  initResponse,
  refusalAnswer,
  reviewRedirect,
} from "../src/paygate/tables.js";
import { createShop, send, startWorld, type World } from "./paygate-support.js";
import { BROWSER_SKIP, collectConsoleErrors, launchChromium } from "./support/browser.js";

/** The shop's browser pages: every path answers a small page naming itself. */
async function startShopPages(): Promise<{ server: Server; url: string }> {
  const server = createServer((incoming, outgoing) => {
    outgoing.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    outgoing.end(
      `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Shop</title></head><body><p id="landed">${(incoming.url ?? "").split("?")[0]}</p></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("hosted payment page in a browser", { skip: BROWSER_SKIP }, () => {
  let world: World;
  let shop: ShopCredentials;
  let pages: { server: Server; url: string };
  let browser: Browser;
  const consoleErrors: string[] = [];

  before(async () => {
    world = await startWorld();
    shop = await createShop(world, "shop-hosted");
    pages = await startShopPages();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (pages ? pages.server.close(() => resolve()) : resolve()));
    await world?.close();
  });

  async function open(language = "en-GB"): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      locale: language,
      viewport: { width: 390, height: 844 },
    });
    const page = await context.newPage();
    collectConsoleErrors(page, consoleErrors);
    return { context, page };
  }

  const urls = (transId: string) => ({
    TransID: transId,
    CountryCode: "EU",
    Currency: "EUR",
    URLSuccess: `${pages.url}/success`,
    URLFailure: `${pages.url}/failure`,
    URLNotify: `${world.notify.url}/notify`,
  });

  /** Where the shop sends the browser: the init's encrypted fields in the query of amazonAPA.aspx. */
  function hostedUrl(body: string): string {
    return `${world.gateway.url}/amazonAPA.aspx?${body}`;
  }

  it("APB: shows the order and the button, the buyer pays at Amazon and lands on URLSuccess with Code 00000000 and a valid MAC; the shop is notified", async () => {
    const notified = world.notify.received.length;
    const built = buildRequest(shop, apbInitRequest, {
      ...urls("HOSTED-APB-1"),
      Amount: 4290,
      checkoutMode: "ProcessOrder",
      OrderDesc: "2 × Kasse mug",
    } as never);
    const { context, page } = await open();
    const response = await page.goto(hostedUrl(built.body));
    assert.equal(response?.status(), 200);
    assert.match(String(response?.headers()["content-type"]), /^text\/html/);
    const policy = String(response?.headers()["content-security-policy"]);
    assert.match(policy, /script-src 'self' [^;]*https:\/\/static-eu\.payments-amazon\.com/);
    assert.ok(policy.includes(world.emulator.url), policy);
    assert.doesNotMatch(policy, /script-src[^;]*'unsafe-inline'/);
    assert.equal(await page.locator("#amount").textContent(), "42.90 EUR");
    assert.equal(await page.locator("#trans-id").textContent(), "HOSTED-APB-1");
    assert.equal(await page.locator("#description").textContent(), "2 × Kasse mug");
    await page.click("[data-amazon-pay-button]");
    await page.waitForURL(/\/buyer\/signin\?/);
    await page.click("#sign-in");
    await page.waitForURL(/\/buyer\/select\?/);
    assert.match(String(await page.locator("#amount").textContent()), /42\.90/);
    await page.click("#continue");
    await page.waitForURL(/\/success\?/);
    assert.equal(await page.locator("#landed").textContent(), "/success");
    const answer = readAnswer(shop, completionResult, new URL(page.url()));
    assert.ok(answer.ok && answer.macVerified, JSON.stringify(answer));
    assert.equal(answer.code, "00000000");
    assert.equal(answer.values.Status, "OK");
    assert.equal(answer.values.TransID, "HOSTED-APB-1");
    assert.equal(answer.values.AmountAuth, "4290");
    const [notify] = (await world.notify.waitFor(notified + 1)).slice(notified);
    const told = readAnswer(shop, completionResult, (notify as { body: string }).body);
    assert.ok(told.ok && told.macVerified);
    assert.equal(told.code, "00000000");
    assert.equal(told.values.PayID, answer.values.PayID);
    await context.close();
  });

  it("standard checkout: the button leads through the shop's ShopUrl (review) and AmazonpayRedirectUrl to URLSuccess", async () => {
    const built = buildRequest(shop, initRequest, {
      ...urls("HOSTED-STD-1"),
      Amount: 1990,
      URLCancel: `${pages.url}/cancel`,
      ShopUrl: `${pages.url}/review`,
      TxType: "Authorize",
    } as never);
    const { context, page } = await open("de-DE");
    await page.goto(hostedUrl(built.body));
    assert.equal(await page.locator("h1").textContent(), "Mit Amazon Pay bezahlen");
    assert.equal(await page.locator("#amount").textContent(), "19.90 EUR");
    await page.click("[data-amazon-pay-button]");
    await page.waitForURL(/\/buyer\/signin\?/);
    await page.click("#sign-in");
    await page.waitForURL(/\/buyer\/select\?/);
    await page.click("#continue");
    await page.waitForURL(/\/review\?/);
    const review = readAnswer(shop, reviewRedirect, new URL(page.url()));
    assert.ok(review.ok && review.macVerified);
    assert.equal(review.values.Status, "PENDING");
    await page.goto(review.values.AmazonpayRedirectUrl as string);
    await page.waitForURL(/\/buyer\/confirm\?/);
    await page.click("#confirm");
    await page.waitForURL(/\/success\?/);
    const answer = readAnswer(shop, completionResult, new URL(page.url()));
    assert.ok(answer.ok && answer.macVerified);
    assert.equal(answer.code, "00000000");
    assert.equal(answer.values.PayID, review.values.PayID);
    await context.close();
  });

  it("a buyer who goes back from Amazon lands on URLFailure (no URLCancel) with the cancel code and a valid MAC", async () => {
    const built = buildRequest(shop, apbInitRequest, {
      ...urls("HOSTED-CANCEL-1"),
      Amount: 990,
      checkoutMode: "ProcessOrder",
    } as never);
    const { context, page } = await open();
    await page.goto(hostedUrl(built.body));
    await page.click("[data-amazon-pay-button]");
    await page.waitForURL(/\/buyer\/signin\?/);
    await page.click("text=Return to the shop");
    await page.waitForURL(/\/failure\?/);
    const answer = readAnswer(shop, refusalAnswer, new URL(page.url()));
    assert.ok(answer.ok && answer.macVerified, JSON.stringify(answer));
    assert.equal(answer.values.Status, "FAILED");
    assert.equal(answer.code, "22890703");
    assert.equal(answer.values.TransID, "HOSTED-CANCEL-1");
    await context.close();
  });

  it("the page's own 'back to the shop' cancels too: URLCancel when the shop gave one", async () => {
    // The APB table has no URLCancel row; FATCHIP's plug-ins send it all the same.
    const built = buildRequest(
      shop,
      apbInitRequest,
      { ...urls("HOSTED-CANCEL-2"), Amount: 990, checkoutMode: "ProcessOrder" } as never,
      { extra: [["URLCancel", `${pages.url}/cancel`]] },
    );
    const { context, page } = await open();
    await page.goto(hostedUrl(built.body));
    await page.click("#back-to-shop");
    await page.waitForURL(/\/(cancel|failure)\?/);
    assert.equal(await page.locator("#landed").textContent(), "/cancel");
    const answer = readAnswer(shop, refusalAnswer, new URL(page.url()));
    assert.ok(answer.ok && answer.macVerified);
    assert.equal(answer.code, "22890703");
    await context.close();
  });

  it("a request that does not decrypt shows the refusal on a page (400), no button", async () => {
    const built = buildRequest({ ...shop, blowfishKey: "not-the-key-0000" }, apbInitRequest, {
      ...urls("HOSTED-BAD-1"),
      Amount: 990,
      checkoutMode: "ProcessOrder",
    } as never);
    const { context, page } = await open();
    const response = await page.goto(hostedUrl(built.body));
    assert.equal(response?.status(), 400);
    assert.match(String(await page.locator("#refusal").textContent()), /^\d{8} /);
    assert.equal(await page.locator("[data-amazon-pay-button]").count(), 0);
    await context.close();
    consoleErrors.splice(
      0,
      consoleErrors.length,
      ...consoleErrors.filter((line) => !/status of 400/.test(line)),
    );
  });

  it("had no console errors on any page", () => {
    assert.deepEqual(consoleErrors, []);
  });
});

describe("amazonAPA.aspx tells a shop's server from a browser", () => {
  let world: World;
  let shop: ShopCredentials;

  before(async () => {
    world = await startWorld();
    shop = await createShop(world, "shop-hosted-s2s");
  });
  after(() => world?.close());

  async function get(url: string, headers: Record<string, string>) {
    const response = await request(url, { method: "GET", headers, dispatcher: world.agent });
    return {
      status: response.statusCode,
      type: String(response.headers["content-type"]),
      body: await response.body.text(),
    };
  }

  it("a server call keeps the S2S answer byte for byte; a navigation gets the page; a script's fetch does not", async () => {
    const built = buildRequest(
      shop,
      initRequest,
      {
        TransID: "HOSTED-S2S-1",
        CountryCode: "EU",
        Amount: 1000,
        Currency: "EUR",
        URLSuccess: "https://shop.example/success",
        URLFailure: "https://shop.example/failure",
        URLCancel: "https://shop.example/cancel",
        URLNotify: `${world.notify.url}/notify`,
        ShopUrl: "https://shop.example/review",
      } as never,
      { extra: [["ReqId", "hosted-s2s-1"]] },
    );
    const first = await send(world, "/amazonAPA.aspx", { form: built.body });
    assert.equal(first.status, 200);
    const answer = readAnswer(shop, initResponse, first.body);
    assert.ok(answer.ok && answer.succeeded, first.body);
    assert.match(first.body, /^Len=\d+&Data=[0-9A-Fa-f]+$/);

    const url = `${world.gateway.url}/amazonAPA.aspx?${built.body}`;
    const navigation = await get(url, {
      accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      "sec-fetch-dest": "document",
      "sec-fetch-mode": "navigate",
    });
    assert.equal(navigation.status, 200);
    assert.match(navigation.type, /^text\/html/);
    assert.match(navigation.body, /id="AmazonPayButton" data-config="/);
    assert.doesNotMatch(navigation.body, /<script>/);
    // A browser without Fetch Metadata (older Safari) that asks for HTML is a browser too.
    const oldBrowser = await get(url, { accept: "text/html,*/*;q=0.8" });
    assert.match(oldBrowser.type, /^text\/html/);
    // A script's fetch and a server library's GET are not navigations: the S2S answer.
    const notNavigations: Record<string, string>[] = [
      { accept: "text/html", "sec-fetch-dest": "empty", "sec-fetch-mode": "cors" },
      { accept: "*/*" },
      {},
    ];
    for (const headers of notNavigations) {
      const other = await get(url, headers);
      assert.match(other.type, /^text\/plain/);
      assert.equal(other.body, first.body, JSON.stringify(headers));
    }
    const again = await send(world, "/amazonAPA.aspx", { form: built.body });
    assert.equal(again.body, first.body);
  });
});
