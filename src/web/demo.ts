/**
 * What `kasse demo` adds to `kasse start`: a demo merchant on the built-in emulator (made through
 * the admin API, as a new user would), a back-office account that sees it (its password made
 * fresh at every start and reported once as `demoLogin`), and the demo shop wired to both.
 */
import { randomBytes } from "node:crypto";
import { Agent, request } from "undici";
import { systemClock } from "../core/clock.js";
import type { RunningGateway } from "../gateway/index.js";
import type { CertificatePem } from "../http/tls.js";
import type { Logger } from "../log.js";
import type { ShopCredentials } from "../paygate/client.js";
import { setAccount } from "./accounts.js";
import { type RunningDemoShop, startDemoShop } from "./demo-shop.js";
import { BASE } from "./layout.js";

export const DEMO_MERCHANT = "demo-shop";
export const DEMO_USER = "demo";

export interface DemoOptions {
  readonly gateway: RunningGateway;
  readonly adminToken: string;
  readonly emulatorUrl: string;
  readonly tls: CertificatePem;
  readonly logger: Logger;
  readonly host: string;
  readonly shopPort: number;
}

export interface RunningDemo {
  readonly shop: RunningDemoShop;
  readonly ready: { demoShop: string; backOffice: string; demoLogin: { user: string; password: string } };
}

/** The demo merchant's Paygate keys: made on the first start, read back (sealed store) on later ones. */
async function demoMerchant(
  options: DemoOptions,
): Promise<{ shop: ShopCredentials; amazonMerchantId: string }> {
  const existing = await options.gateway.merchants.find(DEMO_MERCHANT);
  if (existing) {
    return {
      shop: { merchantId: existing.merchantId, hmacKey: existing.hmacKey, blowfishKey: existing.blowfishKey },
      amazonMerchantId: existing.amazon.merchantId,
    };
  }
  const agent = new Agent({ connect: { ca: options.tls.cert, rejectUnauthorized: true } });
  try {
    const response = await request(`${options.gateway.url}/api/admin/merchants`, {
      method: "POST",
      headers: { authorization: `Bearer ${options.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        merchantId: DEMO_MERCHANT,
        name: "Kasse Demo Shop",
        amazon: { environment: "emulator", region: "eu" },
      }),
      dispatcher: agent,
    });
    const body = (await response.body.json()) as {
      hmacKey: string;
      blowfishKey: string;
      amazon: { merchantId: string };
      message?: string;
    };
    if (response.statusCode !== 201)
      throw new Error(`the demo merchant could not be made: ${body.message ?? response.statusCode}`);
    return {
      shop: { merchantId: DEMO_MERCHANT, hmacKey: body.hmacKey, blowfishKey: body.blowfishKey },
      amazonMerchantId: body.amazon.merchantId,
    };
  } finally {
    await agent.close();
  }
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const { shop, amazonMerchantId } = await demoMerchant(options);
  const password = randomBytes(12).toString("base64url");
  await setAccount(
    options.gateway.db,
    systemClock,
    { user: DEMO_USER, password, role: "merchantAdmin", merchantId: DEMO_MERCHANT, displayName: "Demo" },
    "demo",
  );
  const backOffice = `${options.gateway.url}${BASE}/`;
  const running = await startDemoShop({
    host: options.host,
    port: options.shopPort,
    tls: options.tls,
    logger: options.logger,
    gatewayUrl: options.gateway.url,
    gatewayCa: options.tls.cert,
    emulatorUrl: options.emulatorUrl,
    shop,
    amazonMerchantId,
    backOfficeUrl: backOffice,
  });
  return {
    shop: running,
    ready: { demoShop: running.url, backOffice, demoLogin: { user: DEMO_USER, password } },
  };
}

/** `KASSE_OPERATOR_USER`/`KASSE_OPERATOR_PASSWORD`: the first operator (password replaced at each start). */
export async function bootstrapOperator(
  gateway: RunningGateway,
  environment: NodeJS.ProcessEnv,
): Promise<void> {
  const password = environment.KASSE_OPERATOR_PASSWORD;
  if (!password) return;
  await setAccount(
    gateway.db,
    systemClock,
    { user: environment.KASSE_OPERATOR_USER || "operator", password, role: "operator" },
    "cli",
  );
}
