import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Fastify from "fastify";
import { isBrowserNavigation, type PaygatePage, redirectTo, registerPaygateRoutes } from "./routes.js";

function echoPage(name: string): PaygatePage {
  return {
    name,
    async handle(fields) {
      if (fields.get("go") !== null)
        return { kind: "redirect", location: `https://shop.example/r?${fields}` };
      return { kind: "answer", body: [...fields].map(([k, v]) => `${k}=${v}`).join("&") };
    },
  };
}

describe("Paygate routes", () => {
  it("matches page names case-insensitively, reads GET query and POST form, 404 otherwise", async () => {
    const app = Fastify();
    registerPaygateRoutes(app, [echoPage("capture.aspx")]);
    app.get("/health", async () => "ok");
    const get = await app.inject({ method: "GET", url: "/Capture.ASPX?MerchantID=m&Len=1" });
    assert.equal(get.statusCode, 200);
    assert.equal(get.body, "MerchantID=m&Len=1");
    assert.equal(get.headers["cache-control"], "no-store");
    const post = await app.inject({
      method: "POST",
      url: "/CAPTURE.aspx?a=1",
      payload: "Data=ab%2Bcd&Len=2",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(post.body, "a=1&Data=ab+cd&Len=2");
    assert.equal((await app.inject({ method: "GET", url: "/health" })).body, "ok");
    assert.equal((await app.inject({ method: "GET", url: "/credit.aspx" })).statusCode, 404);
    const redirect = await app.inject({ method: "GET", url: "/capture.aspx?go=1" });
    assert.equal(redirect.statusCode, 302);
    assert.equal(redirect.headers.location, "https://shop.example/r?go=1");
    await app.close();
  });

  it("tells a browser's navigation from a server's call, and hands it to the page", async () => {
    const html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    assert.equal(isBrowserNavigation({ "sec-fetch-dest": "document", accept: html }), true);
    assert.equal(isBrowserNavigation({ "sec-fetch-dest": "document" }), true);
    assert.equal(isBrowserNavigation({ accept: html }), true, "no Fetch Metadata, asks for HTML");
    assert.equal(isBrowserNavigation({ "sec-fetch-dest": "iframe", accept: html }), false);
    assert.equal(isBrowserNavigation({ "sec-fetch-dest": "empty", accept: "text/html" }), false);
    assert.equal(isBrowserNavigation({ "sec-fetch-site": "cross-site", accept: html }), false);
    assert.equal(isBrowserNavigation({ accept: "*/*" }), false);
    assert.equal(isBrowserNavigation({ accept: "application/xhtml+xml" }), false);
    assert.equal(isBrowserNavigation({}), false);

    const seen: boolean[] = [];
    const app = Fastify();
    registerPaygateRoutes(
      app,
      [
        {
          name: "amazonAPA.aspx",
          async handle(_fields, _body, request) {
            seen.push(request?.browser === true);
            return request?.browser
              ? { kind: "page", html: "<p>page</p>", contentSecurityPolicy: "default-src 'none'" }
              : { kind: "answer", body: "Len=1&Data=00" };
          },
        },
      ],
      [{ path: "/assets/paygate/abc/x.js", type: "text/javascript; charset=utf-8", body: Buffer.from("1") }],
    );
    const server = await app.inject({ method: "GET", url: "/amazonAPA.aspx" });
    assert.equal(server.body, "Len=1&Data=00");
    assert.match(String(server.headers["content-type"]), /^text\/plain/);
    const page = await app.inject({
      method: "GET",
      url: "/amazonAPA.aspx",
      headers: { "sec-fetch-dest": "document" },
    });
    assert.equal(page.body, "<p>page</p>");
    assert.match(String(page.headers["content-type"]), /^text\/html/);
    assert.equal(page.headers["content-security-policy"], "default-src 'none'");
    assert.deepEqual(seen, [false, true]);
    const asset = await app.inject({ method: "GET", url: "/assets/paygate/abc/x.js" });
    assert.equal(asset.body, "1");
    assert.match(String(asset.headers["cache-control"]), /immutable/);
    await app.close();
  });

  it("refuses two pages with one name", () => {
    assert.throws(() => registerPaygateRoutes(Fastify(), [echoPage("a.aspx"), echoPage("A.aspx")]));
  });

  it("appends Len/Data to a redirect target, keeping its query and fragment", () => {
    assert.equal(
      redirectTo("https://shop.example/s", "Len=1&Data=ab"),
      "https://shop.example/s?Len=1&Data=ab",
    );
    assert.equal(
      redirectTo("https://shop.example/?wc-api=computop_success", "Len=1&Data=ab"),
      "https://shop.example/?wc-api=computop_success&Len=1&Data=ab",
    );
    assert.equal(redirectTo("https://shop.example/s?", "Len=1"), "https://shop.example/s?Len=1");
    assert.equal(
      redirectTo("https://shop.example/s?a=1#top", "Len=1"),
      "https://shop.example/s?a=1&Len=1#top",
    );
  });
});
