/**
 * A person's click-through, done by Chromium: a small shop page renders the Amazon Pay button
 * through the emulator's checkout.js; the buyer signs in, picks a card, changes it through
 * bindChangeAction, confirms on the page behind amazonPayRedirectUrl and lands on the result page,
 * where the shop completes the checkout through the signed REST API.
 *
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium): without it the test fails saying so,
 * unless KASSE_BROWSER_TESTS=0 skips it on purpose (docs/RELIABILITY.md).
 * KASSE_BUYER_SCREENSHOTS=<dir> saves a screenshot of every page.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type EmulatorUnderTest, startEmulatorUnderTest } from "../src/emulator/buyer/test-support.js";
import { escapeHtml } from "../src/http/html.js";
import { BROWSER_SKIP, collectConsoleErrors, launchChromium } from "./support/browser.js";

const SCREENSHOTS = process.env.KASSE_BUYER_SCREENSHOTS;

/** The shop: button page, review page (updates the session), result page (completes it). */
function startShop(emulator: EmulatorUnderTest): Promise<{ server: Server; url: string }> {
  const amazon = emulator.client;
  let origin = "";
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", origin);
    const id = url.searchParams.get("amazonCheckoutSessionId") ?? "";
    const send = (body: string, status = 200) => {
      response.writeHead(status, { "content-type": "text/html; charset=utf-8" });
      response.end(
        `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Testladen</title></head><body>${body}</body></html>`,
      );
    };
    const script = `<script src="${emulator.url}/checkout.js"></script>`;
    const handle = async () => {
      if (url.pathname === "/shop") {
        const payloadJSON = JSON.stringify({
          webCheckoutDetails: {
            checkoutReviewReturnUrl: `${origin}/review`,
            checkoutCancelUrl: `${origin}/shop`,
          },
          storeId: emulator.merchant.storeId,
          merchantMetadata: { merchantStoreName: "Testladen" },
        });
        const config = {
          merchantId: emulator.merchant.merchantId,
          ledgerCurrency: "EUR",
          sandbox: true,
          checkoutLanguage: "de_DE",
          productType: "PayAndShip",
          placement: "Cart",
          buttonColor: "Gold",
          createCheckoutSessionConfig: {
            payloadJSON,
            signature: amazon.signButtonPayload(payloadJSON),
            publicKeyId: emulator.merchant.publicKeyId,
            algorithm: "AMZN-PAY-RSASSA-PSS-V2",
          },
        };
        return send(
          `<h1>Warenkorb</h1><div id="AmazonPayButton"></div>${script}<script>amazon.Pay.renderButton("#AmazonPayButton", ${JSON.stringify(config)});</script>`,
        );
      }
      if (url.pathname === "/review") {
        const { body: session } = await amazon.updateCheckoutSession(id, {
          webCheckoutDetails: { checkoutResultReturnUrl: `${origin}/result` },
          paymentDetails: {
            paymentIntent: "Authorize",
            chargeAmount: { amount: "14.00", currencyCode: "EUR" },
          },
        });
        return send(`<h1>Bestellung prüfen</h1>
<p id="buyer">${escapeHtml(session.buyer?.name ?? "")}</p>
<p id="address">${escapeHtml(session.shippingAddress?.city ?? "")}</p>
<p id="payment">${escapeHtml(session.paymentPreferences?.[0]?.paymentDescriptor ?? "")}</p>
<a href="#" id="change-payment">Zahlungsart ändern</a>
<a href="${escapeHtml(session.webCheckoutDetails.amazonPayRedirectUrl ?? "")}" id="place-order">Kaufen</a>
${script}<script>amazon.Pay.bindChangeAction("#change-payment", {amazonCheckoutSessionId: ${JSON.stringify(id)}, changeAction: "changePayment"});</script>`);
      }
      if (url.pathname === "/result") {
        const { body: completed } = await amazon.completeCheckoutSession(id, {
          chargeAmount: { amount: "14.00", currencyCode: "EUR" },
        });
        const { body: charge } = await amazon.getCharge(completed.chargeId ?? "");
        return send(
          `<h1>Danke!</h1><p id="session-state">${completed.statusDetails.state}</p><p id="charge-state">${charge.statusDetails.state}</p>`,
        );
      }
      send("not found", 404);
    };
    handle().catch((error: unknown) => send(`<pre id="shop-error">${escapeHtml(String(error))}</pre>`, 500));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({ server, url: origin });
    });
  });
}

describe("emulator buyer pages in a browser", { skip: BROWSER_SKIP }, () => {
  let emulator: EmulatorUnderTest;
  let shop: { server: Server; url: string };
  let browser: Browser;
  let shot = 0;

  before(async () => {
    emulator = await startEmulatorUnderTest();
    shop = await startShop(emulator);
    browser = await launchChromium();
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    shop?.server.close();
    await emulator?.close();
  });

  async function look(page: Page, name: string) {
    if (SCREENSHOTS)
      await page.screenshot({ path: join(SCREENSHOTS, `${++shot}-${name}.png`), fullPage: true });
  }

  it("clicks from the button through sign-in, review, change payment and confirm to the result page", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    collectConsoleErrors(page, consoleErrors);

    await page.goto(`${shop.url}/shop`);
    await page.locator("[data-amazon-pay-button]").waitFor();
    await look(page, "shop");
    await page.click("[data-amazon-pay-button]");
    await page.waitForURL(/\/buyer\/signin\?/);
    assert.match(String(await page.locator("h1").textContent()), /Sign in/);
    await look(page, "signin");

    await page.click("#sign-in");
    await page.waitForURL(/\/buyer\/select\?/);
    await page.check('input[value="eu-anna-card-4444"]');
    await page.check('input[value="eu-anna-work"]');
    await look(page, "select");
    await page.click("#continue");
    await page.waitForURL(new RegExp(`^${shop.url}/review\\?amazonCheckoutSessionId=`));
    assert.equal(await page.locator("#buyer").textContent(), "Anna Schmidt");
    assert.equal(await page.locator("#address").textContent(), "München");
    assert.equal(await page.locator("#payment").textContent(), "Mastercard ****4444 (Amazon Pay)");
    await look(page, "review");

    await page.click("#change-payment");
    await page.waitForURL(/\/buyer\/change\?/);
    await look(page, "change");
    await page.check('input[value="eu-anna-card-0005"]');
    await page.click("#save");
    await page.waitForURL(new RegExp(`^${shop.url}/review\\?`));
    assert.equal(await page.locator("#payment").textContent(), "Amex ****0005 (Amazon Pay)");

    await page.click("#place-order");
    await page.waitForURL(/\/buyer\/confirm\?/);
    assert.match(String(await page.locator("#amount").textContent()), /14\.00 EUR/);
    await look(page, "confirm");
    await page.click("#confirm");
    await page.waitForURL(new RegExp(`^${shop.url}/result\\?amazonCheckoutSessionId=`));
    await look(page, "result");
    assert.equal(await page.locator("#session-state").textContent(), "Completed");
    assert.equal(await page.locator("#charge-state").textContent(), "Authorized");
    assert.deepEqual(consoleErrors, []);
    await context.close();
  });

  it("shows the signature error on the shop page and creates nothing when the payload was tampered with", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    collectConsoleErrors(page, consoleErrors);
    await page.goto(`${shop.url}/shop`);
    const payloadJSON = JSON.stringify({
      webCheckoutDetails: { checkoutReviewReturnUrl: `${shop.url}/review` },
      storeId: emulator.merchant.storeId,
    });
    const config = {
      merchantId: emulator.merchant.merchantId,
      ledgerCurrency: "EUR",
      placement: "Cart",
      createCheckoutSessionConfig: {
        payloadJSON: payloadJSON.replace("/review", "/elsewhere"),
        signature: emulator.client.signButtonPayload(payloadJSON),
        publicKeyId: emulator.merchant.publicKeyId,
        algorithm: "AMZN-PAY-RSASSA-PSS-V2",
      },
    };
    await page.evaluate(`amazon.Pay.renderButton("#AmazonPayButton", ${JSON.stringify(config)})`);
    await page.click("[data-amazon-pay-button]");
    const error = page.locator("[data-amazon-pay-error]");
    await error.waitFor();
    assert.match(String(await error.textContent()), /InvalidRequestSignature/);
    assert.equal(new URL(page.url()).pathname, "/shop");
    assert.ok(
      consoleErrors.some((text) => text.includes("checkout could not start")),
      consoleErrors.join("\n"),
    );
    await look(page, "bad-signature");

    const badConfig = await page.evaluate(`(() => {
      try {
        amazon.Pay.renderButton("#AmazonPayButton", { merchantId: "X", ledgerCurrency: "EUR" });
        return "rendered";
      } catch (error) {
        return String(error);
      }
    })()`);
    assert.match(String(badConfig), /placement is required/);
    await context.close();
  });

  it("starts checkout from button.initCheckout in an onClick handler, and the buyer can go back to the shop", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${shop.url}/shop`);
    const payloadJSON = JSON.stringify({
      webCheckoutDetails: {
        checkoutReviewReturnUrl: `${shop.url}/review`,
        checkoutCancelUrl: `${shop.url}/shop`,
      },
      storeId: emulator.merchant.storeId,
    });
    const sessionConfig = {
      payloadJSON,
      signature: emulator.client.signButtonPayload(payloadJSON),
      publicKeyId: emulator.merchant.publicKeyId,
      algorithm: "AMZN-PAY-RSASSA-PSS-V2",
    };
    const buttonConfig = {
      merchantId: emulator.merchant.merchantId,
      ledgerCurrency: "EUR",
      placement: "Product",
    };
    await page.evaluate(`(() => {
      const button = amazon.Pay.renderButton("#AmazonPayButton", ${JSON.stringify(buttonConfig)});
      button.onClick(() => button.initCheckout({ createCheckoutSessionConfig: ${JSON.stringify(sessionConfig)} }));
    })()`);
    await page.click("[data-amazon-pay-button]");
    await page.waitForURL(/\/buyer\/signin\?/);
    await page.click("text=Return to the shop");
    await page.waitForURL(`${shop.url}/shop`);
    await context.close();
  });

  it("signs the buyer in with a SignIn button and returns to signInReturnUrl with a buyer token", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${shop.url}/shop`);
    const payloadJSON = JSON.stringify({
      signInReturnUrl: `${shop.url}/login`,
      signInCancelUrl: `${shop.url}/shop`,
      storeId: emulator.merchant.storeId,
      signInScopes: ["name", "email", "postalCode"],
    });
    const config = {
      merchantId: emulator.merchant.merchantId,
      ledgerCurrency: "EUR",
      sandbox: true,
      placement: "Home",
      productType: "SignIn",
      signInConfig: {
        payloadJSON,
        signature: emulator.client.signButtonPayload(payloadJSON),
        publicKeyId: emulator.merchant.publicKeyId,
        algorithm: "AMZN-PAY-RSASSA-PSS-V2",
      },
    };
    const missing = await page.evaluate(`(() => {
      try {
        amazon.Pay.renderButton("#AmazonPayButton", ${JSON.stringify({ ...config, signInConfig: undefined })});
        return "rendered";
      } catch (error) {
        return String(error);
      }
    })()`);
    assert.match(String(missing), /signInConfig is required/);
    await page.evaluate(`amazon.Pay.renderButton("#AmazonPayButton", ${JSON.stringify(config)})`);
    await page.click("[data-amazon-pay-button]");
    await page.waitForURL(/\/buyer\/login\?signInId=/);
    await look(page, "sign-in-with-amazon");
    await page.check("text=Oliver Brown");
    await page.click("#sign-in");
    await page.waitForURL(/\/login\?buyerToken=/);
    const token = new URL(page.url()).searchParams.get("buyerToken") ?? "";
    const { body: buyer } = await emulator.client.getBuyer(token);
    assert.equal(buyer.name, "Oliver Brown");
    assert.equal(buyer.postalCode, "NW1 6XE");

    await context.close();
  });
});
