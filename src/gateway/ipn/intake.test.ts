import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SnsVerificationError } from "../../amazon/sns-verify.js";
import { silentLogger } from "../../log.js";
import type { Merchant } from "../../merchants/directory.js";
import { type IpnIntakeOptions, readIpn, receiveIpn } from "./intake.js";

const IPN = {
  MerchantID: "AMERCHANT0001",
  ObjectType: "CHARGE",
  ObjectId: "S01-1234567-1234567-C123001",
  ChargePermissionId: "S01-1234567-1234567",
  NotificationType: "STATE_CHANGE",
  NotificationId: "n-1",
  NotificationVersion: "V2",
};

const merchant = { merchantId: "shop", amazon: { merchantId: "AMERCHANT0001", environment: "sandbox" } };

function options(overrides: Partial<IpnIntakeOptions> = {}) {
  const settled: string[] = [];
  const confirmed: string[] = [];
  const base: IpnIntakeOptions = {
    findMerchant: async (id) => (id === "shop" ? (merchant as unknown as Merchant) : undefined),
    verifierFor: () => async (body) => JSON.parse(body),
    receive: async () => ({ payments: [{ payId: "p1" }, { payId: "p2" }] }),
    settle: async (_merchantId, { payId }) => {
      settled.push(payId);
      return 1;
    },
    confirmSubscription: async (url) => {
      confirmed.push(url);
    },
    logger: silentLogger(),
    ...overrides,
  };
  return { options: base, settled, confirmed };
}

const notification = (ipn: object = IPN) =>
  JSON.stringify({ Type: "Notification", MessageId: "m-1", Message: JSON.stringify(ipn) });

describe("readIpn", () => {
  it("reads the IPN and refuses anything not shaped like it", () => {
    assert.deepEqual(readIpn(JSON.stringify(IPN)), IPN);
    assert.equal(readIpn("not json"), undefined);
    assert.equal(readIpn("[]"), undefined);
    assert.equal(readIpn(JSON.stringify({ ...IPN, ObjectType: "ORDER" })), undefined);
    assert.equal(readIpn(JSON.stringify({ ...IPN, ObjectId: 7 })), undefined);
    assert.equal(readIpn(JSON.stringify({ ...IPN, ObjectId: "x'; DROP TABLE payments" })), undefined);
    const { MerchantID: _missing, ...withoutMerchant } = IPN;
    assert.equal(readIpn(JSON.stringify(withoutMerchant)), undefined);
  });
});

describe("receiveIpn", () => {
  it("settles every payment of the object and answers 200", async () => {
    const { options: intake, settled } = options();
    const answer = await receiveIpn(intake, "shop", notification());
    assert.deepEqual(answer, { kind: "answer", status: 200, body: "OK" });
    assert.deepEqual(settled, ["p1", "p2"]);
  });

  it("Amazon unreachable while settling: 503, so Amazon sends it again", async () => {
    const { options: intake } = options({
      settle: async () => {
        throw new Error("connect ECONNREFUSED");
      },
    });
    const answer = await receiveIpn(intake, "shop", notification());
    assert.equal(answer.kind === "answer" && answer.status, 503);
  });

  it("a permission with subscriptions: re-read before the IPN is kept; unreadable, 503 and nothing kept", async () => {
    const permissionIpn = notification({
      ...IPN,
      ObjectType: "CHARGE_PERMISSION",
      ObjectId: IPN.ChargePermissionId,
    });
    for (const readable of [true, false]) {
      const steps: string[] = [];
      const { options: intake, settled } = options({
        receive: async () => ({
          payments: [{ payId: "p1" }],
          keepAfterPermission: async () => {
            steps.push("kept");
          },
        }),
        permissionChanged: async (_merchantId, chargePermissionId) => {
          steps.push(`read ${chargePermissionId}`);
          if (!readable) throw new Error("connect ECONNREFUSED");
        },
      });
      const answer = await receiveIpn(intake, "shop", permissionIpn);
      assert.equal(answer.kind === "answer" && answer.status, readable ? 200 : 503);
      assert.deepEqual(
        steps,
        readable ? [`read ${IPN.ChargePermissionId}`, "kept"] : [`read ${IPN.ChargePermissionId}`],
      );
      assert.deepEqual(settled, readable ? ["p1"] : []);
    }
  });

  it("an unavailable signing certificate is 503, a bad signature 403, both settle nothing", async () => {
    for (const [reason, status] of [
      ["certificate-unavailable", 503],
      ["bad-signature", 403],
      ["untrusted-certificate-url", 403],
      ["missing-field", 400],
    ] as const) {
      const { options: intake, settled } = options({
        verifierFor: () => async () => {
          throw new SnsVerificationError(reason, "test");
        },
      });
      const answer = await receiveIpn(intake, "shop", notification());
      assert.equal(answer.kind === "answer" && answer.status, status, reason);
      assert.deepEqual(settled, []);
    }
  });

  it("chargebacks and unknown objects are acknowledged without settling", async () => {
    const chargeback = options();
    const answer = await receiveIpn(
      chargeback.options,
      "shop",
      notification({ ...IPN, ObjectType: "CHARGEBACK" }),
    );
    assert.equal(answer.kind === "answer" && answer.status, 200);
    assert.deepEqual(chargeback.settled, []);
    const unknown = options({ receive: async () => ({ payments: [] }) });
    assert.equal((await receiveIpn(unknown.options, "shop", notification())).kind, "answer");
    assert.deepEqual(unknown.settled, []);
  });

  it("a SubscriptionConfirmation is confirmed only at an Amazon SNS host over https", async () => {
    const confirmation = (url: string) =>
      JSON.stringify({ Type: "SubscriptionConfirmation", SubscribeURL: url, TopicArn: "arn" });
    const { options: intake, confirmed } = options();
    for (const url of [
      "http://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription",
      "https://sns.eu-west-1.amazonaws.com.evil.example/?Action=ConfirmSubscription",
      "https://sns.eu-west-1.amazonaws.com:8443/?Action=ConfirmSubscription",
      "not a url",
    ]) {
      const answer = await receiveIpn(intake, "shop", confirmation(url));
      assert.equal(answer.kind === "answer" && answer.status, 200, url);
    }
    assert.deepEqual(confirmed, []);
    const genuine = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=t";
    await receiveIpn(intake, "shop", confirmation(genuine));
    assert.deepEqual(confirmed, [genuine]);
  });
});
