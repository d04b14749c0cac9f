/**
 * The signed payload a button carries (`createCheckoutSessionConfig`, `signInConfig`), checked as
 * Amazon's script does (reference §2.5, §15): the key must be registered, the signature must
 * verify over the literal `payloadJSON`, a missing `algorithm` means `AMZN-PAY-RSASSA-PSS`.
 */
import { type AlgorithmName, signatureAlgorithm } from "../../amazon/canonical.js";
import { parsePublicKey, verifyPayloadSignature } from "../../amazon/signer.js";
import { AmazonError } from "../errors.js";
import type { ButtonKey, BuyerEngine } from "./engine-port.js";

/** The four fields `checkout.js` posts after a click on the button (reference §2.5, §15). */
export interface ButtonPayload {
  readonly payloadJSON: string;
  readonly signature: string;
  readonly publicKeyId: string;
  readonly algorithm?: string | undefined;
}

/** What the button configuration says besides the payload. */
export interface ButtonOptions {
  /** The button's `sandbox` flag; it decides the environment of a legacy key id. */
  readonly sandbox?: boolean;
  /** The button's `merchantId`, which must own the key. */
  readonly merchantId?: string;
}

export interface VerifiedButton {
  readonly key: ButtonKey;
  readonly environment: "sandbox" | "live";
  /** `payloadJSON`, parsed. */
  readonly payload: unknown;
}

function invalid(message: string): AmazonError {
  return new AmazonError("InvalidParameterValue", message);
}

export async function verifyButtonPayload(
  engine: Pick<BuyerEngine, "findButtonKey">,
  button: ButtonPayload,
  options: ButtonOptions = {},
): Promise<VerifiedButton> {
  const algorithmName = button.algorithm ?? "AMZN-PAY-RSASSA-PSS";
  const algorithm = signatureAlgorithm(algorithmName);
  if (algorithm === undefined) throw invalid(`algorithm ${algorithmName} is not supported.`);
  const key = await engine.findButtonKey(button.publicKeyId);
  if (key === undefined) throw invalid(`The publicKeyId ${button.publicKeyId} is not registered.`);
  if (options.merchantId !== undefined && options.merchantId !== key.merchantId) {
    throw invalid(
      `The publicKeyId ${button.publicKeyId} does not belong to merchantId ${options.merchantId}.`,
    );
  }
  const environment = key.environment ?? (options.sandbox === false ? "live" : "sandbox");
  if (options.sandbox !== undefined && (environment === "sandbox") !== options.sandbox) {
    throw invalid(
      `The publicKeyId ${button.publicKeyId} is a ${environment} key but the button says sandbox: ${options.sandbox}.`,
    );
  }
  const verified = verifyPayloadSignature(
    parsePublicKey(key.publicKeyPem),
    button.payloadJSON,
    button.signature,
    algorithm.name as AlgorithmName,
  );
  if (!verified) {
    throw new AmazonError(
      "InvalidRequestSignature",
      `The signature of payloadJSON does not verify with publicKeyId ${button.publicKeyId} and algorithm ${algorithm.name}.`,
    );
  }
  try {
    return { key, environment, payload: JSON.parse(button.payloadJSON) };
  } catch {
    throw new AmazonError("InvalidRequestFormat", "payloadJSON is not valid JSON.");
  }
}
