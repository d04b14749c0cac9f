/**
 * One Amazon Pay client per merchant, built from the merchant's stored link and cached (the
 * private key is parsed once, the keep-alive pool reused). Emulator merchants talk to the
 * built-in emulator over HTTPS; its certificate is trusted by adding it as a CA — verification
 * stays on.
 */
import type { KeyObject } from "node:crypto";
import { AmazonPayClient, type AmazonPayClientOptions } from "../amazon/client.js";
import { parsePrivateKey } from "../amazon/signer.js";
import type { Clock } from "../core/clock.js";
import type { Merchant } from "../merchants/directory.js";
import type { EmulatorEndpoint } from "../merchants/ports.js";

export type { EmulatorEndpoint } from "../merchants/ports.js";

export interface AmazonLinkOptions {
  readonly emulator?: EmulatorEndpoint;
  readonly clock?: Clock;
  /** Passed to every client (timeouts, retry policy, sleep) — tests shorten them. */
  readonly client?: Pick<AmazonPayClientOptions, "timeouts" | "retry" | "sleep" | "random" | "connections">;
}

/** A merchant's Amazon side: the API client, and the parsed key for button signatures. */
export interface MerchantAmazon {
  readonly client: AmazonPayClient;
  /** The merchant's Amazon private key, parsed once (for `buttonsignature`). */
  readonly privateKey: KeyObject;
  readonly publicKeyId: string;
  readonly storeId: string;
  readonly amazonMerchantId: string;
}

/** Thrown when a merchant's link cannot be used (emulator merchant, but no emulator runs). */
export class AmazonLinkError extends Error {
  override name = "AmazonLinkError";
}

export class AmazonLinks {
  readonly #options: AmazonLinkOptions;
  readonly #cache = new Map<string, { readonly key: string; readonly amazon: MerchantAmazon }>();

  constructor(options: AmazonLinkOptions = {}) {
    this.#options = options;
  }

  /** The merchant's client; rebuilt only when the stored merchant changed. */
  forMerchant(merchant: Merchant): MerchantAmazon {
    const cacheKey = `${merchant.updatedAt}:${merchant.amazon.publicKeyId}`;
    const cached = this.#cache.get(merchant.merchantId);
    if (cached?.key === cacheKey) return cached.amazon;
    if (cached) void cached.amazon.client.close();
    const amazon = this.#build(merchant);
    this.#cache.set(merchant.merchantId, { key: cacheKey, amazon });
    return amazon;
  }

  async close(): Promise<void> {
    const clients = [...this.#cache.values()].map((entry) => entry.amazon.client.close());
    this.#cache.clear();
    await Promise.all(clients);
  }

  #build(merchant: Merchant): MerchantAmazon {
    const { amazon } = merchant;
    const privateKey = parsePrivateKey(merchant.amazonPrivateKeyPem);
    const emulator = amazon.environment === "emulator" ? this.#options.emulator : undefined;
    if (amazon.environment === "emulator" && !emulator) {
      throw new AmazonLinkError(
        `merchant ${merchant.merchantId} uses the emulator, but none runs with this gateway`,
      );
    }
    const client = new AmazonPayClient({
      ...this.#options.client,
      region: amazon.region,
      // The emulator plays Amazon's sandbox.
      environment: amazon.environment === "live" ? "live" : "sandbox",
      publicKeyId: amazon.publicKeyId,
      privateKey: merchant.amazonPrivateKeyPem,
      ...(emulator ? { baseUrl: new URL(emulator.url).host, ca: emulator.ca } : {}),
      ...(this.#options.clock ? { clock: this.#options.clock } : {}),
    });
    return {
      client,
      privateKey,
      publicKeyId: amazon.publicKeyId,
      storeId: amazon.storeId,
      amazonMerchantId: amazon.merchantId,
    };
  }
}
