/**
 * "Test connection": one real signed call with the entered credentials to the chosen
 * environment (Amazon's sandbox or live API, or the built-in emulator). It reads a checkout
 * session that does not exist: Amazon checks the key id and the signature before it looks the
 * session up, so `ResourceNotFound` means "your credentials work", and `InvalidRequestSignature`
 * means "this private key does not belong to that Public-Key-ID". Nothing is created.
 */
import { AmazonPayClient } from "../amazon/client.js";
import { AmazonPayApiError, AmazonPayError } from "../amazon/errors.js";
import type { EmulatorEndpoint } from "../gateway/amazon-link.js";
import type { CredentialEnvironment } from "./store.js";

export interface TestedCredentials {
  readonly environment: CredentialEnvironment;
  readonly region: "eu" | "na" | "jp";
  readonly publicKeyId: string;
  readonly privateKeyPem: string;
}

export type ConnectionResult =
  | { readonly kind: "ok"; readonly status: number; readonly reasonCode: string; readonly message: string }
  | {
      readonly kind: "otherKey";
      readonly status: number;
      readonly reasonCode: string;
      readonly message: string;
    }
  | {
      readonly kind: "unknownKeyId";
      readonly status: number;
      readonly reasonCode: string;
      readonly message: string;
    }
  | {
      readonly kind: "refused";
      readonly status: number;
      readonly reasonCode: string;
      readonly message: string;
    }
  | { readonly kind: "unreachable"; readonly message: string };

const PROBE_SESSION = "kasse-connection-test-0000";

export async function testAmazonConnection(
  credentials: TestedCredentials,
  emulator: EmulatorEndpoint | undefined,
): Promise<ConnectionResult> {
  if (credentials.environment === "emulator" && !emulator) {
    return { kind: "unreachable", message: "no emulator runs with this gateway" };
  }
  const client = new AmazonPayClient({
    region: credentials.region,
    environment: credentials.environment === "live" ? "live" : "sandbox",
    publicKeyId: credentials.publicKeyId,
    privateKey: credentials.privateKeyPem,
    retry: { maxAttempts: 1 },
    timeouts: { connectMs: 5000, responseMs: 10_000 },
    ...(credentials.environment === "emulator" && emulator
      ? { baseUrl: new URL(emulator.url).host, ca: emulator.ca }
      : {}),
  });
  try {
    const answer = await client.getCheckoutSession(PROBE_SESSION);
    return { kind: "ok", status: answer.status, reasonCode: "", message: "" };
  } catch (error) {
    if (error instanceof AmazonPayApiError) {
      const fields = {
        status: error.httpStatus ?? 0,
        reasonCode: error.reasonCode,
        message: error.message,
      };
      if (error.reasonCode === "InvalidRequestSignature") return { kind: "otherKey", ...fields };
      if (error.reasonCode === "UnauthorizedAccess") return { kind: "unknownKeyId", ...fields };
      // Past authentication: the probe session is unknown (or its id malformed) — the key works.
      if (error.reasonCode === "ResourceNotFound" || error.reasonCode === "InvalidParameterValue") {
        return { kind: "ok", ...fields };
      }
      return { kind: "refused", ...fields };
    }
    if (error instanceof AmazonPayError) return { kind: "unreachable", message: error.message };
    throw error;
  } finally {
    await client.close();
  }
}
