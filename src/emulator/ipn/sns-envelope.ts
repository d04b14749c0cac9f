import { type KeyObject, sign } from "node:crypto";
import {
  type SnsNotification,
  type SnsSignatureVersion,
  type SnsUnsignedNotification,
  snsDigestOf,
  snsStringToSign,
} from "../../amazon/sns-message.js";
import { rsaSignatures } from "../../metrics.js";

/** The IPN inside the SNS `Message` string, keys in the order of §10's table. */
export interface IpnMessage {
  MerchantID: string;
  ObjectType: "CHARGE_PERMISSION" | "CHARGE" | "REFUND" | "CHARGEBACK";
  ObjectId: string;
  ChargePermissionId: string;
  NotificationType: "STATE_CHANGE" | "ATTRIBUTE_CHANGE";
  NotificationId: string;
  NotificationVersion: "V2";
}

export interface EnvelopeInput {
  ipn: IpnMessage;
  messageId: string;
  topicArn: string;
  /** Epoch milliseconds; rendered ISO 8601 with milliseconds, as SNS does. */
  timestamp: number;
  signatureVersion: SnsSignatureVersion;
  signingCertUrl: string;
  unsubscribeUrl: string;
  privateKey: KeyObject;
}

/** A signed SNS `Notification` carrying one IPN, keys in the order SNS sends them. */
export function signIpnEnvelope(input: EnvelopeInput): SnsNotification {
  const unsigned: SnsUnsignedNotification = {
    Type: "Notification",
    MessageId: input.messageId,
    TopicArn: input.topicArn,
    Message: JSON.stringify(input.ipn),
    Timestamp: new Date(input.timestamp).toISOString(),
    SignatureVersion: input.signatureVersion,
    SigningCertURL: input.signingCertUrl,
    UnsubscribeURL: input.unsubscribeUrl,
  };
  rsaSignatures.inc({ purpose: "sns" });
  const signature = sign(
    snsDigestOf(input.signatureVersion),
    Buffer.from(snsStringToSign(unsigned), "utf8"),
    input.privateKey,
  ).toString("base64");
  return {
    Type: unsigned.Type,
    MessageId: unsigned.MessageId,
    TopicArn: unsigned.TopicArn,
    Message: unsigned.Message,
    Timestamp: unsigned.Timestamp,
    SignatureVersion: unsigned.SignatureVersion,
    Signature: signature,
    SigningCertURL: unsigned.SigningCertURL,
    UnsubscribeURL: unsigned.UnsubscribeURL,
  };
}

const AWS_REGION_OF: Record<string, string> = { eu: "eu-west-1", na: "us-east-1", jp: "us-west-2" };

/** A topic per merchant in the AWS region serving its Amazon Pay region; the account is fake. */
export function topicArnFor(merchantId: string, region: string): string {
  return `arn:aws:sns:${AWS_REGION_OF[region] ?? "eu-west-1"}:000000000000:AmazonPay-${merchantId}`;
}
