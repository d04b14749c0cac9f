import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Fastify from "fastify";
import { type PaygatePage, redirectTo, registerPaygateRoutes } from "./routes.js";

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
