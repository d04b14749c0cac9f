import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { urlProblem, urlRefusal } from "./urls.js";

describe("shop URLs", () => {
  it("accepts a query on every URL, URLNotify included (WooCommerce on default permalinks)", () => {
    for (const key of ["URLSuccess", "URLFailure", "URLCancel", "ShopUrl", "URLNotify"]) {
      assert.equal(urlProblem(key, "https://shop.example/?wc-api=computop_notify", "live"), undefined, key);
    }
    assert.equal(urlProblem("URLNotify", "https://shop.example:443/n?a=1&b=2", "sandbox"), undefined);
  });

  it("names the rule a URL breaks", () => {
    assert.equal(urlProblem("URLSuccess", "/relative", "live"), "not an absolute URL");
    assert.equal(
      urlProblem("URLFailure", "ftp://shop.example/f", "live"),
      "scheme ftp: is not http or https",
    );
    assert.equal(urlProblem("URLNotify", "http://shop.example/n", "live"), "URLNotify must use https");
    assert.equal(
      urlProblem("URLNotify", "https://shop.example:8443/n", "live"),
      "URLNotify must use port 443, not 8443",
    );
    assert.equal(
      urlProblem("URLNotify", "https://shop.example/n#x", "live"),
      "a fragment (#…) never reaches the shop's server",
    );
    assert.equal(urlProblem("URLSuccess", "https://shop.example/s#x", "live"), undefined);
  });

  it("lets emulator merchants notify plain http on loopback, nobody else", () => {
    assert.equal(
      urlProblem("URLNotify", "http://127.0.0.1:4000/?wc-api=computop_notify", "emulator"),
      undefined,
    );
    assert.equal(urlProblem("URLNotify", "http://localhost:4000/n", "emulator"), undefined);
    assert.equal(urlProblem("URLNotify", "http://127.0.0.1:4000/n", "sandbox"), "URLNotify must use https");
  });

  it("refuses with 2012 + parameter id and the rule in Description", () => {
    const refused = urlRefusal("URLNotify", "http://shop.example/n", "live");
    assert.equal(refused?.code, "20120014");
    assert.equal(refused?.description, "Parameter URLNotify is invalid: URLNotify must use https");
    assert.equal(urlRefusal("URLNotify", undefined, "live"), undefined);
  });
});
