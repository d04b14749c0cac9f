/**
 * The IPN intake's refusals and its harmlessness (docs/async.md): forged, malformed, foreign and
 * unknown-merchant messages get a 4xx and change nothing; genuine duplicates and replays are
 * answered 200 and change nothing either, because the gateway reads the object from Amazon.
 */
import assert from "node:assert/strict";
import { createPrivateKey, sign } from "node:crypto";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import { type SnsSubscriptionMessage, snsStringToSign } from "../src/amazon/sns-message.js";
import {
  createSigningIdentityPem,
  loadOrCreateSigningIdentity,
} from "../src/emulator/ipn/signing-certificate.js";
import type { ShopCredentials } from "../src/paygate/client.js";
import { creditNotify } from "../src/paygate/tables.js";
import {
  advanceAmazon,
  createAsyncShop,
  credit,
  inquire,
  notifiesOf,
  pay,
  postIpn,
  readNotify,
  signedIpn,
  startAsyncWorld,
  startPayment,
  waitForNotifies,
} from "./async-support.js";
import { buyer, type World } from "./paygate-support.js";

let world: World;
let shop: ShopCredentials & { amazonMerchantId: string };
let payId: string;
let chargeId: string;
let chargePermissionId: string;
let refundId: string;

/** What an IPN could change: every payment's version and every notification. */
async function snapshot() {
  const [payments] = await world.gateway.db.query<{ versions: string }>(
    "SELECT COALESCE(sum(version), 0)::text AS versions FROM payments",
  );
  const [notifications] = await world.gateway.db.query<{ count: string }>(
    "SELECT count(*)::text AS count FROM notifications",
  );
  return { versions: payments?.versions, notifications: notifications?.count };
}

before(async () => {
  world = await startAsyncWorld();
  shop = await createAsyncShop(world, "shop-intake");
  // A captured payment with a refund Amazon settles later; its IPN is delivered twice.
  const answer = await startPayment(world, shop, "T-DUP", { TxType: "AuthorizeWithCapture" });
  payId = answer.values.PayID as string;
  await pay(world, answer);
  await waitForNotifies(world, "T-DUP", 1);
  const refund = await credit(world, shop, payId, 700);
  assert.equal(refund.values.Status, "PENDING");
  refundId = refund.values.refundid as string;
  chargeId = refund.values.chargeid as string;
  const rows = await world.gateway.db.query<{ charge_permission_id: string }>(
    "SELECT charge_permission_id FROM payments WHERE pay_id = $1",
    [payId],
  );
  chargePermissionId = rows[0]?.charge_permission_id as string;
  await buyer(world, "/__admin/faults", { ipnDuplicate: 10 });
  await advanceAmazon(world, 31);
  const notifies = await waitForNotifies(world, "T-DUP", 2);
  assert.equal(readNotify(shop, creditNotify, (notifies[1] as { body: string }).body).values.Status, "OK");
});
after(() => world.close());

describe("IPN intake", { timeout: 60_000 }, () => {
  it("a duplicated or replayed genuine IPN is acknowledged and changes nothing", async () => {
    const before = await snapshot();
    for (const [ObjectType, ObjectId] of [
      ["REFUND", refundId],
      ["CHARGE", chargeId],
      ["CHARGE_PERMISSION", chargePermissionId],
    ] as const) {
      const ipn = await signedIpn(world, {
        MerchantID: shop.amazonMerchantId,
        ObjectType,
        ObjectId,
        ChargePermissionId: chargePermissionId,
        NotificationType: "STATE_CHANGE",
      });
      for (const path of ["/amazonAPAV2Notify.aspx", "/AMAZONapav2notify.ASPX"]) {
        const answer = await postIpn(world, shop.merchantId, JSON.stringify(ipn), path);
        assert.equal(answer.status, 200, `${ObjectType} ${path}: ${answer.body}`);
      }
    }
    assert.deepEqual(await snapshot(), before);
    assert.equal(notifiesOf(world, "T-DUP").length, 2, "one completion, one CreditNotification");
    assert.equal((await inquire(world, shop, payId)).values.AmountCred, "700");
  });

  it("forged, foreign, malformed and unknown-merchant messages: 4xx, nothing changed", async () => {
    const before = await snapshot();
    const ipn = {
      MerchantID: shop.amazonMerchantId,
      ObjectType: "REFUND" as const,
      ObjectId: refundId,
      ChargePermissionId: chargePermissionId,
      NotificationType: "STATE_CHANGE" as const,
    };
    const genuine = await signedIpn(world, ipn);
    const tampered = { ...genuine, Message: genuine.Message.replace("REFUND", "CHARGE") };
    const stranger = await createSigningIdentityPem(Date.now());
    const otherKey = createPrivateKey(stranger.privateKeyPem);
    const signedByStranger = {
      ...genuine,
      Signature: sign("sha256", Buffer.from(snsStringToSign(genuine), "utf8"), otherKey).toString("base64"),
    };
    const foreignCert = await signedIpn(world, ipn, {
      SigningCertURL: "https://attacker.example/sns.pem",
    });
    const foreignMerchant = await signedIpn(world, { ...ipn, MerchantID: "A0THERMERCHANT1" });
    const cases: Array<[string, string, number, string]> = [
      ["tampered message", JSON.stringify(tampered), 403, "bad-signature"],
      ["signed by another key", JSON.stringify(signedByStranger), 403, "bad-signature"],
      ["certificate URL not Amazon's", JSON.stringify(foreignCert), 403, "untrusted-certificate-url"],
      ["IPN of another Amazon merchant", JSON.stringify(foreignMerchant), 403, "another Amazon merchant"],
      ["not JSON", "Type=Notification&Message=x", 400, "malformed-json"],
      ["missing Signature", JSON.stringify({ ...genuine, Signature: undefined }), 400, "missing-field"],
    ];
    for (const [what, body, status, reason] of cases) {
      const answer = await postIpn(world, shop.merchantId, body);
      assert.equal(answer.status, status, `${what}: ${answer.body}`);
      assert.ok(answer.body.includes(reason), `${what}: ${answer.body}`);
    }
    const unknown = await postIpn(world, "no-such-shop", JSON.stringify(genuine));
    assert.equal(unknown.status, 404);
    const noMid = await postIpn(world, "", JSON.stringify(genuine));
    assert.equal(noMid.status, 400);
    assert.deepEqual(await snapshot(), before);
  });

  it("a validly signed envelope whose IPN is garbage: 400", async () => {
    const identity = await loadOrCreateSigningIdentity(world.emulator.db, Date.now());
    const genuine = await signedIpn(world, {
      MerchantID: shop.amazonMerchantId,
      ObjectType: "CHARGE",
      ObjectId: chargeId,
      ChargePermissionId: chargePermissionId,
      NotificationType: "STATE_CHANGE",
    });
    const unsigned = { ...genuine, Message: '{"MerchantID": 42}' };
    const resigned = {
      ...unsigned,
      Signature: sign("sha256", Buffer.from(snsStringToSign(unsigned), "utf8"), identity.privateKey).toString(
        "base64",
      ),
    };
    const answer = await postIpn(world, shop.merchantId, JSON.stringify(resigned));
    assert.equal(answer.status, 400);
    assert.match(answer.body, /malformed IPN/);
  });

  it("a SubscriptionConfirmation whose SubscribeURL is not Amazon SNS is not followed", async () => {
    let hits = 0;
    const trap = createServer((_req, res) => {
      hits += 1;
      res.end("confirmed");
    });
    await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
    const address = trap.address();
    assert.ok(address && typeof address === "object");
    const identity = await loadOrCreateSigningIdentity(world.emulator.db, Date.now());
    const unsigned: Omit<SnsSubscriptionMessage, "Signature"> = {
      Type: "SubscriptionConfirmation",
      MessageId: "11111111-2222-4333-8444-555555555555",
      TopicArn: "arn:aws:sns:eu-west-1:000000000000:AmazonPay",
      Message: "You have chosen to subscribe to the topic.",
      Timestamp: new Date().toISOString(),
      SignatureVersion: "1",
      SigningCertURL: `${world.emulator.url}/__sns/cert.pem`,
      Token: "token",
      SubscribeURL: `http://127.0.0.1:${address.port}/confirm`,
    };
    const message = {
      ...unsigned,
      Signature: sign("sha1", Buffer.from(snsStringToSign(unsigned), "utf8"), identity.privateKey).toString(
        "base64",
      ),
    };
    const answer = await postIpn(world, shop.merchantId, JSON.stringify(message));
    assert.equal(answer.status, 200);
    assert.equal(hits, 0, "the SubscribeURL was not called");
    await new Promise<void>((resolve) => trap.close(() => resolve()));
  });
});
