/**
 * Amazon SNS HTTP messages as Amazon Pay delivers IPNs (reference/amazon-pay-v2.md §10): the
 * envelope types, and the canonical string both the emulator (signing) and the gateway
 * (verifying) compute, so the two can never drift apart.
 */

/** `1` = SHA1withRSA, `2` = SHA256withRSA (PKCS#1 v1.5), as AWS SNS defines them. */
export type SnsSignatureVersion = "1" | "2";

interface SnsSignedFields {
  MessageId: string;
  TopicArn: string;
  Message: string;
  /** ISO 8601 with milliseconds and `Z`, e.g. `2026-01-01T00:00:00.000Z`. */
  Timestamp: string;
  SignatureVersion: SnsSignatureVersion;
  Signature: string;
  SigningCertURL: string;
}

export interface SnsNotification extends SnsSignedFields {
  Type: "Notification";
  Subject?: string;
  UnsubscribeURL: string;
}

export interface SnsSubscriptionMessage extends SnsSignedFields {
  Type: "SubscriptionConfirmation" | "UnsubscribeConfirmation";
  Token: string;
  SubscribeURL: string;
}

export type SnsMessage = SnsNotification | SnsSubscriptionMessage;

/** The fields that enter the string to sign, before `Signature` exists. */
export type SnsUnsignedNotification = Omit<SnsNotification, "Signature">;
export type SnsUnsignedMessage =
  | Omit<SnsNotification, "Signature">
  | Omit<SnsSubscriptionMessage, "Signature">;

const NOTIFICATION_KEYS = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"] as const;
const SUBSCRIPTION_KEYS = [
  "Message",
  "MessageId",
  "SubscribeURL",
  "Timestamp",
  "Token",
  "TopicArn",
  "Type",
] as const;

/**
 * The SNS string to sign: `key\nvalue\n` for each present key in the fixed order of its type
 * (§10 step 2; `Subject` only when present).
 */
export function snsStringToSign(message: SnsUnsignedMessage): string {
  const keys = message.Type === "Notification" ? NOTIFICATION_KEYS : SUBSCRIPTION_KEYS;
  const fields = message as unknown as Record<string, unknown>;
  let text = "";
  for (const key of keys) {
    const value = fields[key];
    if (value === undefined || value === null) continue;
    text += `${key}\n${String(value)}\n`;
  }
  return text;
}

/** Node's digest name for a signature version. */
export function snsDigestOf(version: SnsSignatureVersion): "sha1" | "sha256" {
  return version === "1" ? "sha1" : "sha256";
}
