import assert from "node:assert/strict";
import { createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import { before, describe, it } from "node:test";
import fc from "fast-check";
import { ManualClock } from "../core/clock.js";
import { createSigningIdentityPem } from "../emulator/ipn/signing-certificate.js";
import { type IpnMessage, signIpnEnvelope } from "../emulator/ipn/sns-envelope.js";
import { type SnsSignatureVersion, snsStringToSign } from "./sns-message.js";
import {
  createSnsVerifier,
  type SnsRefusal,
  SnsVerificationError,
  type SnsVerifierOptions,
} from "./sns-verify.js";

const EMULATOR_CERT_URL = "https://127.0.0.1:8444/__sns/cert.pem";
const AMAZON_CERT_URL =
  "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-01d088a6f77103d0fe307c0069e40ed6.pem";
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

const ipn: IpnMessage = {
  MerchantID: "A2EXAMPLE12345",
  ObjectType: "CHARGE",
  ObjectId: "S02-1234567-1234567-C123456",
  ChargePermissionId: "S02-1234567-1234567",
  NotificationType: "STATE_CHANGE",
  NotificationId: "2b1b7a2e-6c3a-4e2a-9d7e-0f1f0c8f0a11",
  NotificationVersion: "V2",
};

let certificatePem: string;
let privateKeyPem: string;

before(async () => {
  ({ certificatePem, privateKeyPem } = await createSigningIdentityPem(NOW));
});

function signed(
  version: SnsSignatureVersion,
  certUrl = EMULATOR_CERT_URL,
  message = ipn,
): Record<string, unknown> {
  return {
    ...signIpnEnvelope({
      ipn: message,
      messageId: "7f3c0b8e-1d2a-4b5c-8e9f-0a1b2c3d4e5f",
      topicArn: "arn:aws:sns:eu-west-1:000000000000:AmazonPay-A2EXAMPLE12345",
      timestamp: NOW,
      signatureVersion: version,
      signingCertUrl: certUrl,
      unsubscribeUrl: "https://127.0.0.1:8444/__sns/unsubscribe",
      privateKey: createPrivateKey(privateKeyPem),
    }),
  };
}

function verifier(overrides: Partial<SnsVerifierOptions> = {}) {
  const fetched: string[] = [];
  const verify = createSnsVerifier({
    fetchCertificate: async (url) => {
      fetched.push(url);
      return certificatePem;
    },
    extraCertificateUrl: EMULATOR_CERT_URL,
    ...overrides,
  });
  return { verify, fetched };
}

async function refusal(promise: Promise<unknown>): Promise<SnsRefusal> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SnsVerificationError, String(error));
    return error.reason;
  }
  assert.fail("the message was accepted");
}

describe("createSnsVerifier", () => {
  for (const version of ["1", "2"] as const) {
    it(`accepts what the emulator signs with SignatureVersion ${version}`, async () => {
      const { verify } = verifier();
      const message = await verify(JSON.stringify(signed(version)));
      assert.equal(message.Type, "Notification");
      assert.deepEqual(JSON.parse(message.Message), ipn);
    });
  }

  it("fetches a certificate once and reuses it", async () => {
    const { verify, fetched } = verifier();
    await verify(JSON.stringify(signed("1")));
    await verify(JSON.stringify(signed("2")));
    assert.deepEqual(fetched, [EMULATOR_CERT_URL]);
  });

  it("accepts Amazon's SNS hosts without the emulator option", async () => {
    const { verify, fetched } = verifier({ extraCertificateUrl: undefined });
    await verify(JSON.stringify(signed("2", AMAZON_CERT_URL)));
    assert.deepEqual(fetched, [AMAZON_CERT_URL]);
  });

  it("verifies a SubscriptionConfirmation over its own canonical keys", async () => {
    const unsigned = {
      Type: "SubscriptionConfirmation" as const,
      MessageId: "m-1",
      Token: "token-1",
      TopicArn: "arn:aws:sns:eu-west-1:000000000000:t",
      Message: "You have chosen to subscribe",
      SubscribeURL: "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=token-1",
      Timestamp: "2026-01-15T12:00:00.000Z",
      SignatureVersion: "2" as const,
      SigningCertURL: EMULATOR_CERT_URL,
    };
    const signature = sign("sha256", Buffer.from(snsStringToSign(unsigned)), createPrivateKey(privateKeyPem));
    const { verify } = verifier();
    const message = await verify(JSON.stringify({ ...unsigned, Signature: signature.toString("base64") }));
    assert.equal(message.Type, "SubscriptionConfirmation");
    const tampered = { ...unsigned, Token: "token-2", Signature: signature.toString("base64") };
    assert.equal(await refusal(verify(JSON.stringify(tampered))), "bad-signature");
  });

  it("refuses a signature made with another key", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const body = signed("2");
    body.Signature = sign("sha256", Buffer.from(snsStringToSign(body as never)), other).toString("base64");
    assert.equal(await refusal(verifier().verify(JSON.stringify(body))), "bad-signature");
  });

  it("refuses a tampered Message, MessageId, Timestamp, TopicArn or a switched version", async () => {
    const changes: Record<string, unknown>[] = [
      { Message: JSON.stringify({ ...ipn, ObjectId: "S02-1234567-1234567-C999999" }) },
      { MessageId: "another" },
      { Timestamp: "2026-01-15T12:00:01.000Z" },
      { TopicArn: "arn:aws:sns:eu-west-1:000000000000:other" },
      { SignatureVersion: "1" },
    ];
    for (const change of changes) {
      const reason = await refusal(verifier().verify(JSON.stringify({ ...signed("2"), ...change })));
      assert.equal(reason, "bad-signature", JSON.stringify(change));
    }
  });

  it("refuses any single-character change of the Message (property)", async () => {
    const { verify } = verifier();
    const body = signed("2");
    const message = body.Message as string;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: message.length - 1 }),
        fc.string({ minLength: 1, maxLength: 1 }),
        async (index, char) => {
          fc.pre(message[index] !== char);
          const changed = message.slice(0, index) + char + message.slice(index + 1);
          return (await refusal(verify(JSON.stringify({ ...body, Message: changed })))) === "bad-signature";
        },
      ),
      { numRuns: 50 },
    );
  });

  it("refuses unsupported signature versions", async () => {
    for (const version of ["3", "", "SHA256"]) {
      const reason = await refusal(
        verifier().verify(JSON.stringify({ ...signed("2"), SignatureVersion: version })),
      );
      assert.equal(reason, "unsupported-signature-version");
    }
  });

  it("refuses certificate URLs that are not https, not .pem or not an SNS host", async () => {
    const urls = [
      "http://sns.eu-west-1.amazonaws.com/cert.pem",
      "https://sns.eu-west-1.amazonaws.com/cert.txt",
      "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem",
      "https://evil.example/sns.eu-west-1.amazonaws.com/cert.pem",
      "https://sns.eu.amazonaws.com/cert.pem",
      "https://sns.eu-west-1.amazonaws.com:8443/cert.pem",
      "https://user@sns.eu-west-1.amazonaws.com/cert.pem",
      "https://127.0.0.1:9999/__sns/cert.pem",
      "http://127.0.0.1:8444/__sns/cert.pem",
      "not a url",
    ];
    for (const url of urls) {
      const { verify, fetched } = verifier();
      const reason = await refusal(verify(JSON.stringify(signed("2", url))));
      assert.equal(reason, "untrusted-certificate-url", url);
      assert.deepEqual(fetched, [], `no fetch for ${url}`);
    }
  });

  it("accepts the China partition host pattern", async () => {
    const { verify } = verifier({ extraCertificateUrl: undefined });
    await verify(JSON.stringify(signed("1", "https://sns.cn-north-1.amazonaws.com.cn/c.pem")));
  });

  it("names each missing required field", async () => {
    const required = [
      "Type",
      "MessageId",
      "TopicArn",
      "Message",
      "Timestamp",
      "SignatureVersion",
      "Signature",
      "SigningCertURL",
      "UnsubscribeURL",
    ];
    for (const field of required) {
      const body = signed("2");
      delete body[field];
      try {
        await verifier().verify(JSON.stringify(body));
        assert.fail(`accepted without ${field}`);
      } catch (error) {
        assert.ok(error instanceof SnsVerificationError);
        assert.equal(error.reason, "missing-field");
        assert.match(error.message, new RegExp(field));
      }
    }
  });

  it("refuses wrong field types, unknown message types and malformed values", async () => {
    const cases: [Record<string, unknown>, SnsRefusal][] = [
      [{ Message: { a: 1 } }, "invalid-field"],
      [{ MessageId: 42 }, "invalid-field"],
      [{ Subject: 7 }, "invalid-field"],
      [{ SignatureVersion: 2 }, "invalid-field"],
      [{ Type: "Bogus" }, "invalid-field"],
      [{ Timestamp: "yesterday" }, "invalid-field"],
      [{ Signature: "not base64!" }, "invalid-field"],
    ];
    for (const [change, expected] of cases) {
      const reason = await refusal(verifier().verify(JSON.stringify({ ...signed("2"), ...change })));
      assert.equal(reason, expected, JSON.stringify(change));
    }
  });

  it("refuses garbage bodies as malformed JSON", async () => {
    for (const body of ["", "not json", "{", "[]", "null", '"text"', "42"]) {
      assert.equal(await refusal(verifier().verify(body)), "malformed-json", body);
    }
  });

  it("reports an unavailable certificate and tries again on the next message", async () => {
    let calls = 0;
    const verify = createSnsVerifier({
      fetchCertificate: async () => {
        calls += 1;
        if (calls === 1) throw new Error("connection refused");
        return certificatePem;
      },
      extraCertificateUrl: EMULATOR_CERT_URL,
    });
    assert.equal(await refusal(verify(JSON.stringify(signed("2")))), "certificate-unavailable");
    await verify(JSON.stringify(signed("2")));
    assert.equal(calls, 2);
  });

  it("checks the Timestamp window only when given a clock", async () => {
    const clock = new ManualClock(NOW + 3 * 3_600_000);
    const { verify } = verifier({ clock, maxAgeMs: 4 * 3_600_000 });
    await verify(JSON.stringify(signed("2")));
    clock.advance(2 * 3_600_000);
    assert.equal(await refusal(verify(JSON.stringify(signed("2")))), "stale-timestamp");
    clock.set(NOW - 10 * 60_000);
    assert.equal(await refusal(verify(JSON.stringify(signed("2")))), "stale-timestamp");
    await verifier().verify(JSON.stringify(signed("2")));
  });
});
