/**
 * The emulator's admin API that is not buyer-related (CONTRACT.md `kasse emulator`): health,
 * merchants and keys (what Seller Central does), the emulated clock and fault injection
 * (`faults.ts`).
 */
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import { parseAmazonTimestamp } from "../core/clock.js";
import { isSupportedCurrency } from "../core/money.js";
import type { EmulatorEngine } from "./engine.js";
import { AmazonError } from "./errors.js";
import { FAULT_PHASES, type FaultKind, type FaultPhase, type Faults } from "./faults.js";
import type { Environment, Region } from "./state/common.js";
import { findMerchant, insertMerchant, insertPublicKey, type Queryable } from "./store/repository.js";

export interface AdminOptions {
  readonly engine: EmulatorEngine;
  readonly faults: Faults;
  /** Runs after the clock moved: the sweep and a wake-up of the IPN worker. */
  readonly afterClockChange: () => Promise<void>;
}

/** Ledger currencies per region (§11.3, §15): EU may be EUR or GBP. */
const LEDGER_CURRENCIES: Readonly<Record<Region, readonly string[]>> = {
  eu: ["EUR", "GBP"],
  na: ["USD"],
  jp: ["JPY"],
};

type Body = Record<string, unknown>;

function bodyOf(value: unknown): Body {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AmazonError("InvalidRequestFormat", "The request body must be a JSON object.");
  }
  return value as Body;
}

function optionalString(body: Body, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new AmazonError("InvalidParameterValue", `${key} must be a string.`);
  return value;
}

function environmentOf(body: Body): Environment | null {
  const value = optionalString(body, "environment");
  if (value === undefined) return null;
  if (value !== "sandbox" && value !== "live") {
    throw new AmazonError("InvalidParameterValue", 'environment must be "sandbox" or "live".');
  }
  return value;
}

function checkedPublicKey(pem: string): string {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== "rsa" || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw new Error("not RSA-2048");
    }
    return key.export({ type: "spki", format: "pem" }).toString();
  } catch {
    throw new AmazonError(
      "InvalidParameterValue",
      "publicKeyPem must be an RSA public key of at least 2048 bits.",
    );
  }
}

async function registerKey(
  engine: EmulatorEngine,
  db: Queryable,
  merchantId: string,
  environment: Environment | null,
  publicKeyPem: string,
): Promise<string> {
  const publicKeyId = engine.ids.publicKeyId(environment);
  await insertPublicKey(db, { publicKeyId, merchantId, environment, publicKeyPem });
  return publicKeyId;
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof AmazonError) return reply.code(error.status).send(error.toBody());
  throw error;
}

export async function adminRoutes(app: FastifyInstance, options: AdminOptions): Promise<void> {
  const { engine, faults } = options;

  app.get("/__admin/health", async () => ({ ok: true }));

  app.post("/__admin/merchants", async (request, reply) => {
    try {
      const body = bodyOf(request.body ?? {});
      const region = optionalString(body, "region");
      if (region !== "eu" && region !== "na" && region !== "jp") {
        throw new AmazonError("InvalidParameterValue", 'region must be "eu", "na" or "jp".');
      }
      const allowed = LEDGER_CURRENCIES[region];
      const ledgerCurrency = optionalString(body, "ledgerCurrency") ?? (allowed[0] as string);
      if (!isSupportedCurrency(ledgerCurrency) || !allowed.includes(ledgerCurrency)) {
        throw new AmazonError(
          "InvalidParameterValue",
          `ledgerCurrency must be one of ${allowed.join(", ")} in ${region}.`,
        );
      }
      const environment = environmentOf(body);
      const givenKey = optionalString(body, "publicKeyPem");
      const generated =
        givenKey === undefined
          ? generateKeyPairSync("rsa", {
              modulusLength: 2048,
              publicKeyEncoding: { type: "spki", format: "pem" },
              privateKeyEncoding: { type: "pkcs8", format: "pem" },
            })
          : undefined;
      const publicKeyPem = generated?.publicKey ?? checkedPublicKey(givenKey as string);
      const merchant = {
        merchantId: engine.ids.merchantId(),
        region,
        ledgerCurrency,
        name: optionalString(body, "name") ?? "Emulated Merchant",
        storeId: engine.ids.storeId(),
        ipnUrl: optionalString(body, "ipnUrl") ?? null,
      } as const;
      const publicKeyId = await engine.db.transaction(async (tx) => {
        await insertMerchant(tx, merchant);
        return registerKey(engine, tx, merchant.merchantId, environment, publicKeyPem);
      });
      return reply.code(201).send({
        merchantId: merchant.merchantId,
        storeId: merchant.storeId,
        publicKeyId,
        ...(generated === undefined ? {} : { privateKeyPem: generated.privateKey }),
      });
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.post<{ Params: { merchantId: string } }>(
    "/__admin/merchants/:merchantId/keys",
    async (request, reply) => {
      try {
        const body = bodyOf(request.body ?? {});
        const pem = optionalString(body, "publicKeyPem");
        if (pem === undefined) throw new AmazonError("MissingParameterValue", "publicKeyPem is required.");
        const publicKeyPem = checkedPublicKey(pem);
        const environment = environmentOf(body);
        const publicKeyId = await engine.db.transaction(async (tx) => {
          if ((await findMerchant(tx, request.params.merchantId)) === undefined) {
            throw new AmazonError(
              "ResourceNotFound",
              `Merchant ${request.params.merchantId} does not exist.`,
            );
          }
          return registerKey(engine, tx, request.params.merchantId, environment, publicKeyPem);
        });
        return reply.code(201).send({ publicKeyId });
      } catch (error) {
        return sendError(reply, error);
      }
    },
  );

  const clockAnswer = () => ({
    now: new Date(engine.clock.now()).toISOString(),
    offsetSeconds: Math.trunc(engine.clock.offsetMs / 1000),
  });

  app.get("/__admin/clock", async () => {
    await engine.currentTime();
    return clockAnswer();
  });

  app.post("/__admin/clock", async (request, reply) => {
    try {
      const body = bodyOf(request.body ?? {});
      const seconds = body.advanceSeconds;
      if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
        throw new AmazonError(
          "InvalidParameterValue",
          "advanceSeconds must be a number ≥ 0 (the clock never goes back).",
        );
      }
      await engine.clock.advance(engine.db, seconds * 1000);
      await options.afterClockChange();
      return reply.send(clockAnswer());
    } catch (error) {
      return sendError(reply, error);
    }
  });

  // A sandbox control: a permission that expires soon, without moving the clock a year.
  app.post<{ Params: { id: string } }>(
    "/__admin/charge-permissions/:id/expiration",
    async (request, reply) => {
      try {
        const body = bodyOf(request.body ?? {});
        const text = body.expirationTimestamp;
        const expiresAt =
          typeof text === "string" ? (parseAmazonTimestamp(text) ?? Date.parse(text)) : Number.NaN;
        if (!Number.isFinite(expiresAt)) {
          throw new AmazonError(
            "InvalidParameterValue",
            "expirationTimestamp must be a timestamp (20311231T120000Z or ISO 8601).",
          );
        }
        return await engine.chargePermissions.setExpiration(request.params.id, expiresAt);
      } catch (error) {
        return sendError(reply, error);
      }
    },
  );

  // The buyer's bank charges a captured charge back: Amazon's CHARGEBACK IPN follows.
  app.post<{ Params: { id: string } }>("/__admin/charges/:id/chargeback", async (request, reply) => {
    try {
      bodyOf(request.body ?? {});
      const filed = await engine.transact((work) => engine.charges.chargeback(work, request.params.id));
      return reply.code(201).send(filed);
    } catch (error) {
      return sendError(reply, error);
    }
  });

  app.get("/__admin/faults", async () => faults.settings);

  app.post("/__admin/faults", async (request, reply) => {
    try {
      const body = bodyOf(request.body ?? {});
      if (body.reset === true) faults.reset();
      const count = (key: string) => {
        const value = body[key];
        if (value === undefined) return undefined;
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
          throw new AmazonError("InvalidParameterValue", `${key} must be an integer ≥ 0.`);
        }
        return value;
      };
      const failures = body.failures === undefined ? [] : body.failures;
      if (!Array.isArray(failures))
        throw new AmazonError("InvalidParameterValue", "failures must be an array.");
      const parsedFailures = failures.map((item: unknown) => {
        const entry = bodyOf(item);
        const status = entry.status;
        if (
          status !== 500 &&
          status !== 503 &&
          status !== 408 &&
          status !== 429 &&
          status !== "dropConnection"
        ) {
          throw new AmazonError(
            "InvalidParameterValue",
            'failures[].status must be 500, 503, 408, 429 or "dropConnection".',
          );
        }
        const phase = optionalString(entry, "phase") ?? "beforeProcessing";
        if (!(FAULT_PHASES as readonly string[]).includes(phase)) {
          throw new AmazonError(
            "InvalidParameterValue",
            `failures[].phase must be one of ${FAULT_PHASES.join(", ")}.`,
          );
        }
        if (status === 429 && phase === "afterCommit") {
          // Throttling refuses a request; a throttled request is never processed.
          throw new AmazonError(
            "InvalidParameterValue",
            "status 429 cannot be combined with phase afterCommit.",
          );
        }
        const times = entry.count ?? 1;
        if (typeof times !== "number" || !Number.isInteger(times) || times < 1) {
          throw new AmazonError("InvalidParameterValue", "failures[].count must be an integer ≥ 1.");
        }
        return {
          operation: optionalString(entry, "operation") ?? "*",
          status: status as FaultKind,
          phase: phase as FaultPhase,
          count: times,
        };
      });
      const delay = body.ipnDelay === undefined ? undefined : bodyOf(body.ipnDelay);
      const delayCount = delay?.count ?? 1;
      const delayMax = delay?.maxMs;
      if (
        delay !== undefined &&
        (typeof delayCount !== "number" ||
          !Number.isInteger(delayCount) ||
          delayCount < 0 ||
          typeof delayMax !== "number" ||
          !Number.isInteger(delayMax) ||
          delayMax < 0 ||
          delayMax > 3_600_000)
      ) {
        throw new AmazonError(
          "InvalidParameterValue",
          "ipnDelay must be {count: integer ≥ 0, maxMs: integer 0–3600000}.",
        );
      }
      faults.configure({
        latencyMs: count("latencyMs"),
        failures: parsedFailures,
        ipnDrop: count("ipnDrop"),
        ipnDuplicate: count("ipnDuplicate"),
        ...(delay === undefined
          ? {}
          : { ipnDelay: { count: delayCount as number, maxMs: delayMax as number } }),
      });
      return reply.send(faults.settings);
    } catch (error) {
      return sendError(reply, error);
    }
  });
}
