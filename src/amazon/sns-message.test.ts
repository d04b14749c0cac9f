import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { snsStringToSign } from "./sns-message.js";

describe("snsStringToSign", () => {
  it("lists a Notification's keys in SNS order, with Subject only when present", () => {
    const base = {
      Type: "Notification" as const,
      MessageId: "m-1",
      TopicArn: "arn:aws:sns:eu-west-1:000000000000:t",
      Message: '{"a":1}',
      Timestamp: "2026-01-01T00:00:00.000Z",
      SignatureVersion: "2" as const,
      SigningCertURL: "https://sns.eu-west-1.amazonaws.com/x.pem",
      UnsubscribeURL: "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
    };
    assert.equal(
      snsStringToSign(base),
      'Message\n{"a":1}\nMessageId\nm-1\nTimestamp\n2026-01-01T00:00:00.000Z\n' +
        "TopicArn\narn:aws:sns:eu-west-1:000000000000:t\nType\nNotification\n",
    );
    assert.equal(
      snsStringToSign({ ...base, Subject: "s" }),
      'Message\n{"a":1}\nMessageId\nm-1\nSubject\ns\nTimestamp\n2026-01-01T00:00:00.000Z\n' +
        "TopicArn\narn:aws:sns:eu-west-1:000000000000:t\nType\nNotification\n",
    );
  });

  it("lists a SubscriptionConfirmation's keys including SubscribeURL and Token", () => {
    assert.equal(
      snsStringToSign({
        Type: "SubscriptionConfirmation",
        MessageId: "m",
        TopicArn: "t",
        Message: "hello",
        Timestamp: "2026-01-01T00:00:00.000Z",
        SignatureVersion: "1",
        SigningCertURL: "https://sns.eu-west-1.amazonaws.com/x.pem",
        Token: "tok",
        SubscribeURL: "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription",
      }),
      "Message\nhello\nMessageId\nm\nSubscribeURL\nhttps://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription\n" +
        "Timestamp\n2026-01-01T00:00:00.000Z\nToken\ntok\nTopicArn\nt\nType\nSubscriptionConfirmation\n",
    );
  });
});
