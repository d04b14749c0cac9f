import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:https";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createCertificate } from "../http/tls.js";
import { verifyRequestSignature } from "./signer.js";

/**
 * The official NODE SDK, unchanged, over real HTTPS against a server that verifies with our
 * `verifyRequestSignature`. Its own file because the SDK's `overrideServiceUrl` sets
 * NODE_TLS_REJECT_UNAUTHORIZED=0 for the whole process (node --test runs each file apart).
 */
const require = createRequire(import.meta.url);
const { WebStoreClient } = require("@amazonpay/amazon-pay-api-sdk-nodejs") as {
  WebStoreClient: new (config: object) => Record<string, (...args: unknown[]) => Promise<{ status: number }>>;
};

const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privateKey = keys.privateKey.export({ type: "pkcs1", format: "pem" }) as string;
const publicKey = createPublicKey(privateKey);

describe("the official NODE SDK against our signature verification", () => {
  let server: Server;
  const results: { url: string; ok: boolean; reason?: string }[] = [];

  before(async () => {
    server = createServer(await createCertificate(), async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const url = new URL(request.url ?? "/", "https://x");
      const verification = verifyRequestSignature(
        {
          method: request.method ?? "",
          path: url.pathname,
          query: url.search.slice(1),
          header: (name) => {
            const value = request.headers[name];
            return Array.isArray(value) ? value.join(",") : value;
          },
          body: Buffer.concat(chunks),
        },
        () => publicKey,
      );
      results.push({
        url: request.url ?? "",
        ok: verification.ok,
        ...(verification.ok ? {} : { reason: verification.reason }),
      });
      response.writeHead(verification.ok ? 200 : 403, { "content-type": "application/json" });
      response.end("{}");
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  });

  for (const [publicKeyId, algorithm] of [
    ["AEXAMPLELEGACY", undefined],
    ["SANDBOX-AEXAMPLE", "AMZN-PAY-RSASSA-PSS-V2"],
    ["LIVE-AEXAMPLE", "AMZN-PAY-RSASSA-PSS"],
  ] as const) {
    it(`verifies every kind of call (${publicKeyId}, ${algorithm ?? "default algorithm"})`, async () => {
      results.length = 0;
      const client = new WebStoreClient({
        publicKeyId,
        privateKey,
        region: "eu",
        sandbox: true,
        overrideServiceUrl: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        ...(algorithm ? { algorithm } : {}),
      });
      const headers = { "x-amz-pay-idempotency-key": "abcDEF123_-" };
      await client.createCheckoutSession?.(
        {
          webCheckoutDetails: { checkoutReviewReturnUrl: "https://shop.example/ü?x=1" },
          storeId: "amzn1.application-oa2-client.x",
        },
        headers,
      );
      await client.getCheckoutSession?.("bd504926-f659-4ad7-a1a9-9a747aaf5275");
      await client.updateCheckoutSession?.("bd504926-f659-4ad7-a1a9-9a747aaf5275", {
        merchantMetadata: { noteToBuyer: "Danke für Ihre Bestellung!" },
      });
      await client.closeChargePermission?.("S01-5105180-3221187", {
        closureReason: "done",
        cancelPendingCharges: false,
      });
      await client.getReports?.({
        reportTypes: [
          "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_SANDBOX_SETTLEMENT_DATA_",
          "_GET_FLAT_FILE_OFFAMAZONPAYMENTS_REFUND_DATA_",
        ],
        createdSince: "20230618T150630Z",
        pageSize: "10",
      });
      await client.getBuyer?.("Atza|IwEBI+token/with=odd chars", { "X-Amz-Pay-Authtoken": "tok" });
      await client.cancelReportSchedule?.("1234");
      assert.equal(results.length, 7);
      assert.deepEqual(
        results.filter((r) => !r.ok),
        [],
      );
    });
  }
});
