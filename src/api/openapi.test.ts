/**
 * The served OpenAPI document is valid OpenAPI 3.1 (checked against the OpenAPI Initiative's
 * published JSON schema, bundled offline by the validator) and lists exactly the routes Fastify
 * registered under `/api/v1` — none missing, none invented.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import Fastify, { type FastifyInstance } from "fastify";
import { ManualClock } from "../core/clock.js";
import { apiGateway } from "../gateway/api-ports.js";
import { SecretBox } from "../gateway/secrets.js";
import { silentLogger } from "../log.js";
import { MerchantDirectory } from "../merchants/directory.js";
import type { Payments } from "../payments/index.js";
import type { Database } from "../store/database.js";
import { openTestDatabase } from "../store/test-database.js";
import { API_PREFIX, registerApi } from "./index.js";

const MIGRATIONS = fileURLToPath(new URL("../store/migrations/", import.meta.url));

let db: Database;
let app: FastifyInstance;
const registered: string[] = [];

describe("OpenAPI document", () => {
  before(async () => {
    db = await openTestDatabase(MIGRATIONS);
    const clock = new ManualClock();
    const secrets = new SecretBox(randomBytes(32));
    app = Fastify();
    app.addHook("onRoute", (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        // HEAD is Fastify's automatic twin of each GET; OPTIONS only answers CORS preflights.
        if (method !== "HEAD" && method !== "OPTIONS" && route.url.startsWith(API_PREFIX)) {
          registered.push(`${method} ${route.url}`);
        }
      }
    });
    registerApi(app, {
      db,
      clock,
      logger: silentLogger(),
      payments: {} as Payments,
      gateway: apiGateway({
        db,
        clock,
        adminToken: "openapi-test-token-0123456789",
        merchants: new MerchantDirectory({ db, secrets, clock }),
        secrets,
        recurring: () => undefined,
        wakeNotifications: () => undefined,
      }),
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  it("is served without credentials and validates against the OpenAPI 3.1 schema", async () => {
    const response = await app.inject({ method: "GET", url: `${API_PREFIX}/openapi.json` });
    assert.equal(response.statusCode, 200);
    const document = response.json();
    assert.equal(document.openapi, "3.1.0");
    const validator = new Validator();
    const result = await validator.validate(document);
    assert.deepEqual(result.errors, undefined);
    assert.equal(result.valid, true);
    assert.equal(validator.version, "3.1");
  });

  it("lists every registered route, and only those", async () => {
    const document = (await app.inject({ method: "GET", url: `${API_PREFIX}/openapi.json` })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map(
        (method) => `${method.toUpperCase()} ${API_PREFIX}${path.replace(/\{([A-Za-z]+)\}/g, ":$1")}`,
      ),
    );
    assert.ok(registered.length >= 20, `only ${registered.length} routes seen`);
    assert.deepEqual([...documented].sort(), [...registered].sort());
  });

  it("documents every path parameter and an Idempotency-Key on each action", async () => {
    const document = (await app.inject({ method: "GET", url: `${API_PREFIX}/openapi.json` })).json() as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
    };
    for (const [path, operations] of Object.entries(document.paths)) {
      const names = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(operations)) {
        const inPath = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
        assert.deepEqual(inPath.sort(), [...names].sort(), `${method} ${path}`);
      }
    }
    for (const action of ["captures", "refunds", "cancel"]) {
      const parameters = document.paths[`/payments/{payId}/${action}`]?.post?.parameters ?? [];
      assert.ok(
        parameters.some((p) => p.in === "header" && p.name === "idempotency-key"),
        action,
      );
    }
  });
});
