/**
 * Merchants admin API (CONTRACT.md `kasse start`): `POST /api/admin/merchants` creates a merchant
 * with generated Paygate keys and its Amazon link — registering it at the built-in emulator when
 * asked to — and `GET /api/admin/merchants[/{id}]` shows merchants without any secret.
 * Registered inside the `/api/admin` prefix, behind the bearer token.
 */
import { randomInt } from "node:crypto";
import { rootCertificates } from "node:tls";
import type { FastifyInstance, FastifyReply } from "fastify";
import { Agent, request } from "undici";
import {
  checkPrivateKeyPem,
  type KeyVerification,
  type KeyVerificationTarget,
  verifyKeyAtAmazon,
} from "../amazon/private-key.js";
import { isSupportedCurrency } from "../core/money.js";
import { AMAZON_ID, generatedKey, ipnUrlOf } from "../merchants/credentials.js";
import {
  type AmazonEnvironment,
  type AmazonRegion,
  MERCHANT_ID,
  type MerchantDirectory,
  type MerchantSettings,
} from "../merchants/directory.js";
import type { EmulatorEndpoint } from "./amazon-link.js";

export interface MerchantAdminOptions {
  readonly merchants: MerchantDirectory;
  /** The built-in emulator, when one runs with this gateway. */
  readonly emulator?: EmulatorEndpoint;
  /** The gateway's public origin (`https://host:port`), for the IPN URL given to Amazon. */
  readonly publicUrl: () => string;
  /** Key material source; uniform integer in [0, max). */
  readonly randomInt?: (max: number) => number;
  /**
   * Proves a given private key belongs to its public key id with a signed call to the chosen
   * environment (default {@link verifyKeyAtAmazon}; in-process tests of the field rules replace it).
   */
  readonly verifyKey?: (target: KeyVerificationTarget) => Promise<KeyVerification>;
}

/** A 400 that names the field at fault. */
class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const ENVIRONMENTS: readonly AmazonEnvironment[] = ["emulator", "sandbox", "live"];
const REGIONS: readonly AmazonRegion[] = ["eu", "na", "jp"];
/** Paygate keys are opaque byte strings; printable ASCII without space keeps them copy-pasteable. */
const PAYGATE_KEY = /^[\x21-\x7e]+$/;
/** Blowfish takes 4–56 key bytes; AES-CBC 16, 24 or 32 (reference §1.5, §1.6). */
const AES_KEY_LENGTHS = [16, 24, 32];

type Body = Record<string, unknown>;

function objectAt(value: unknown, field: string): Body {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FieldError(field, `${field || "the body"} must be a JSON object`);
  }
  return value as Body;
}

function stringAt(body: Body, key: string, field: string, required: true): string;
function stringAt(body: Body, key: string, field: string, required: false): string | undefined;
function stringAt(body: Body, key: string, field: string, required: boolean): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw new FieldError(field, `${field} is required`);
    return undefined;
  }
  if (typeof value !== "string" || value.trim() === "")
    throw new FieldError(field, `${field} must be a non-empty string`);
  return value;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value as T))
    throw new FieldError(field, `${field} must be one of ${allowed.join(", ")}`);
  return value as T;
}

interface AmazonInput {
  readonly environment: AmazonEnvironment;
  readonly region: AmazonRegion;
  /** All four, or none (emulator only: then Kasse registers the merchant at its emulator). */
  readonly ids?: { merchantId: string; storeId: string; publicKeyId: string; privateKeyPem: string };
}

interface MerchantInput {
  readonly merchantId: string;
  readonly name: string;
  readonly hmacKey?: string;
  readonly blowfishKey?: string;
  /** `true`: generate one (AES-256); a string: use it. */
  readonly aesKey?: true | string;
  readonly amazon: AmazonInput;
  readonly settings: MerchantSettings;
  readonly ledgerCurrency?: string;
}

const AMAZON_ID_FIELDS = ["merchantId", "storeId", "publicKeyId", "privateKeyPem"] as const;

function readAmazon(value: unknown): AmazonInput {
  if (value === undefined || value === null) throw new FieldError("amazon", "amazon is required");
  const amazon = objectAt(value, "amazon");
  const environment = oneOf(
    stringAt(amazon, "environment", "amazon.environment", true),
    ENVIRONMENTS,
    "amazon.environment",
  );
  const region = oneOf(stringAt(amazon, "region", "amazon.region", true), REGIONS, "amazon.region");
  const given = AMAZON_ID_FIELDS.filter((key) => amazon[key] !== undefined && amazon[key] !== null);
  if (given.length === 0 && environment === "emulator") return { environment, region };
  // sandbox/live always, the emulator when ids are given: all four are needed.
  const values = Object.fromEntries(
    AMAZON_ID_FIELDS.map((key) => [key, stringAt(amazon, key, `amazon.${key}`, true)]),
  ) as Record<(typeof AMAZON_ID_FIELDS)[number], string>;
  for (const key of ["merchantId", "storeId", "publicKeyId"] as const) {
    if (!AMAZON_ID.test(values[key]))
      throw new FieldError(`amazon.${key}`, `amazon.${key} has characters Amazon ids do not have`);
  }
  const key = checkPrivateKeyPem(values.privateKeyPem);
  if (!key.ok) throw new FieldError("amazon.privateKeyPem", `amazon.privateKeyPem: ${key.message}`);
  return { environment, region, ids: values };
}

function readSettings(value: unknown): MerchantSettings {
  if (value === undefined || value === null) return {};
  const settings = objectAt(value, "settings");
  const read: Record<string, boolean> = {};
  for (const key of ["canHandlePendingAuthorization", "requireFirstNotifyAnswered"] as const) {
    const flag = settings[key];
    if (flag !== undefined && typeof flag !== "boolean") {
      throw new FieldError(`settings.${key}`, `settings.${key} must be true or false`);
    }
    if (flag !== undefined) read[key] = flag;
  }
  return read;
}

function readPaygateKey(body: Body, key: string, lengths: (length: number) => boolean, rule: string) {
  const value = stringAt(body, key, key, false);
  if (value !== undefined && (!PAYGATE_KEY.test(value) || !lengths(value.length))) {
    throw new FieldError(key, `${key} must be ${rule} printable ASCII characters without spaces`);
  }
  return value;
}

export function readMerchantInput(raw: unknown): MerchantInput {
  const body = objectAt(raw, "");
  const merchantId = stringAt(body, "merchantId", "merchantId", true);
  if (!MERCHANT_ID.test(merchantId)) {
    throw new FieldError(
      "merchantId",
      "merchantId must be 1–30 characters of A–Z, a–z, 0–9, '_', '.' and '-'",
    );
  }
  const name = stringAt(body, "name", "name", true);
  if (name.length > 100) throw new FieldError("name", "name must be at most 100 characters");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw new FieldError("name", "name must not contain control characters");
  const hmacKey = readPaygateKey(body, "hmacKey", (n) => n >= 16 && n <= 128, "16–128");
  const blowfishKey = readPaygateKey(body, "blowfishKey", (n) => n >= 4 && n <= 56, "4–56");
  let aesKey: true | string | undefined;
  if (body.aesKey === true) aesKey = true;
  else if (body.aesKey !== undefined && body.aesKey !== false) {
    aesKey = readPaygateKey(body, "aesKey", (n) => AES_KEY_LENGTHS.includes(n), "16, 24 or 32");
  }
  const ledgerCurrency = stringAt(body, "ledgerCurrency", "ledgerCurrency", false);
  if (ledgerCurrency !== undefined && !isSupportedCurrency(ledgerCurrency)) {
    throw new FieldError("ledgerCurrency", "ledgerCurrency must be a currency Amazon Pay supports");
  }
  return {
    merchantId,
    name,
    ...(hmacKey === undefined ? {} : { hmacKey }),
    ...(blowfishKey === undefined ? {} : { blowfishKey }),
    ...(aesKey === undefined ? {} : { aesKey }),
    amazon: readAmazon(body.amazon),
    settings: readSettings(body.settings),
    ...(ledgerCurrency === undefined ? {} : { ledgerCurrency }),
  };
}

interface EmulatorMerchant {
  merchantId: string;
  storeId: string;
  publicKeyId: string;
  privateKeyPem: string;
}

class EmulatorRegistrationError extends Error {}

/** `POST {emulator}/__admin/merchants` (CONTRACT.md `kasse emulator`) over HTTPS, trusting its certificate. */
async function registerAtEmulator(
  emulator: EmulatorEndpoint,
  input: { region: AmazonRegion; name: string; ipnUrl: string; ledgerCurrency?: string },
): Promise<EmulatorMerchant> {
  // Added to the public roots, not instead of them: verification stays on for any certificate.
  const dispatcher = new Agent({
    connect: { ca: [...rootCertificates, emulator.ca], rejectUnauthorized: true },
  });
  try {
    const response = await request(`${emulator.url}/__admin/merchants`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(emulator.adminToken === undefined ? {} : { authorization: `Bearer ${emulator.adminToken}` }),
      },
      body: JSON.stringify(input),
      dispatcher,
    });
    const body = (await response.body.json()) as Partial<EmulatorMerchant> & { message?: string };
    if (response.statusCode !== 201) {
      throw new EmulatorRegistrationError(
        `the emulator refused the merchant: ${body.message ?? response.statusCode}`,
      );
    }
    const { merchantId, storeId, publicKeyId, privateKeyPem } = body;
    if (!merchantId || !storeId || !publicKeyId || !privateKeyPem) {
      throw new EmulatorRegistrationError("the emulator's answer lacks the merchant's ids or key");
    }
    return { merchantId, storeId, publicKeyId, privateKeyPem };
  } catch (error) {
    if (error instanceof EmulatorRegistrationError) throw error;
    throw new EmulatorRegistrationError(`the emulator cannot be reached: ${(error as Error).message}`);
  } finally {
    await dispatcher.close();
  }
}

/**
 * The signed check of a given key (docs/GOING-LIVE.md): 422 when Amazon refuses the pair, 502
 * when Amazon cannot be asked (nothing is stored; register again when it answers).
 */
async function keyRefusal(
  options: MerchantAdminOptions,
  amazon: AmazonInput,
  ids: NonNullable<AmazonInput["ids"]>,
): Promise<{ status: number; body: Record<string, string> } | undefined> {
  if (amazon.environment === "emulator" && !options.emulator) {
    return {
      status: 400,
      body: {
        error: "invalid_request",
        message: "no emulator runs with this gateway to check the key against",
        field: "amazon.environment",
      },
    };
  }
  const emulator = amazon.environment === "emulator" ? options.emulator : undefined;
  const verdict = await (options.verifyKey ?? verifyKeyAtAmazon)({
    region: amazon.region,
    environment: amazon.environment === "live" ? "live" : "sandbox",
    publicKeyId: ids.publicKeyId,
    privateKey: ids.privateKeyPem,
    ...(emulator ? { baseUrl: new URL(emulator.url).host, ca: emulator.ca } : {}),
  });
  if (verdict.ok) return undefined;
  if (verdict.reason === "unreachable")
    return {
      status: 502,
      body: { error: "amazon_unavailable", message: verdict.message, field: "amazon.environment" },
    };
  return {
    status: 422,
    body: {
      error: verdict.reason === "key-mismatch" ? "amazon_key_mismatch" : "amazon_key_id_unknown",
      message: verdict.message,
      field: verdict.reason === "key-mismatch" ? "amazon.privateKeyPem" : "amazon.publicKeyId",
    },
  };
}

function fieldError(reply: FastifyReply, error: FieldError): FastifyReply {
  return reply.code(400).send({ error: "invalid_request", message: error.message, field: error.field });
}

export async function merchantAdminRoutes(
  app: FastifyInstance,
  options: MerchantAdminOptions,
): Promise<void> {
  const random = options.randomInt ?? randomInt;
  const { merchants } = options;

  app.post("/merchants", async (req, reply) => {
    let input: MerchantInput;
    try {
      input = readMerchantInput(req.body);
    } catch (error) {
      if (error instanceof FieldError) return fieldError(reply, error);
      throw error;
    }
    const conflict = () =>
      reply.code(409).send({
        error: "merchant_exists",
        message: `merchant ${input.merchantId} exists`,
        field: "merchantId",
      });
    // Checked before the emulator registration so a conflict leaves no orphan merchant there.
    if (await merchants.exists(input.merchantId)) return conflict();

    let ids = input.amazon.ids;
    if (ids) {
      const refused = await keyRefusal(options, input.amazon, ids);
      if (refused) return reply.code(refused.status).send(refused.body);
    } else {
      if (!options.emulator) {
        return fieldError(
          reply,
          new FieldError(
            "amazon.environment",
            "no emulator runs with this gateway; give the merchant's Amazon ids and key",
          ),
        );
      }
      try {
        ids = await registerAtEmulator(options.emulator, {
          region: input.amazon.region,
          name: input.name,
          ipnUrl: ipnUrlOf(options.publicUrl(), input.merchantId, input.amazon.region),
          ...(input.ledgerCurrency === undefined ? {} : { ledgerCurrency: input.ledgerCurrency }),
        });
      } catch (error) {
        if (!(error instanceof EmulatorRegistrationError)) throw error;
        return reply
          .code(502)
          .send({ error: "emulator_unavailable", message: error.message, field: "amazon.environment" });
      }
    }
    const hmacKey = input.hmacKey ?? generatedKey(32, random);
    const blowfishKey = input.blowfishKey ?? generatedKey(16, random);
    const aesKey = input.aesKey === true ? generatedKey(32, random) : input.aesKey;
    const amazon = {
      environment: input.amazon.environment,
      region: input.amazon.region,
      merchantId: ids.merchantId,
      storeId: ids.storeId,
      publicKeyId: ids.publicKeyId,
    };
    const settings = {
      ...input.settings,
      ...(input.ledgerCurrency ? { ledgerCurrency: input.ledgerCurrency } : {}),
    };
    const created = await merchants.create({
      merchantId: input.merchantId,
      name: input.name,
      hmacKey,
      blowfishKey,
      ...(aesKey === undefined ? {} : { aesKey }),
      amazon,
      amazonPrivateKeyPem: ids.privateKeyPem,
      settings,
    });
    if (!created) return conflict();
    // The Paygate keys are shown this once, as a payment provider's onboarding hands them over.
    return reply.code(201).send({
      merchantId: input.merchantId,
      name: input.name,
      hmacKey,
      blowfishKey,
      ...(aesKey === undefined ? {} : { aesKey }),
      amazon,
      settings,
      ipnUrl: ipnUrlOf(options.publicUrl(), input.merchantId, input.amazon.region),
    });
  });

  // Settings can change later (docs/async.md: canHandlePendingAuthorization); keys and Amazon ids cannot.
  app.patch<{ Params: { merchantId: string } }>("/merchants/:merchantId", async (req, reply) => {
    let settings: MerchantSettings;
    try {
      const body = objectAt(req.body, "");
      const unknown = Object.keys(body).filter((key) => key !== "settings");
      if (unknown.length > 0) throw new FieldError(unknown[0] as string, `${unknown[0]} cannot be changed`);
      settings = readSettings(body.settings);
    } catch (error) {
      if (error instanceof FieldError) return fieldError(reply, error);
      throw error;
    }
    const summary = await merchants.updateSettings(req.params.merchantId, settings);
    if (!summary) {
      return reply
        .code(404)
        .send({ error: "not_found", message: `no merchant ${req.params.merchantId}`, field: "merchantId" });
    }
    return summary;
  });

  app.get("/merchants", async () => ({ merchants: await merchants.list() }));

  app.get<{ Params: { merchantId: string } }>("/merchants/:merchantId", async (req, reply) => {
    const summary = await merchants.summary(req.params.merchantId);
    if (!summary) {
      return reply
        .code(404)
        .send({ error: "not_found", message: `no merchant ${req.params.merchantId}`, field: "merchantId" });
    }
    return summary;
  });
}
