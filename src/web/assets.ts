/**
 * Static files of the back office, demo shop and hosted page: our stylesheet and ES modules from
 * `assets/`, and uPlot (the dashboard chart) straight from node_modules. Read once at start;
 * served with a long cache life under a content hash, so a new version is a new URL.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { FastifyInstance } from "fastify";

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly hash: string;
}

const require = createRequire(import.meta.url);
const own = (name: string) => new URL(`./assets/${name}`, import.meta.url);

const SOURCES: Readonly<Record<string, { readonly path: URL | string; readonly type: string }>> = {
  "kasse.css": { path: own("kasse.css"), type: "text/css; charset=utf-8" },
  "back-office.js": { path: own("back-office.js"), type: "text/javascript; charset=utf-8" },
  "dashboard.js": { path: own("dashboard.js"), type: "text/javascript; charset=utf-8" },
  "shop.js": { path: own("shop.js"), type: "text/javascript; charset=utf-8" },
  "uplot.js": { path: require.resolve("uplot/dist/uPlot.esm.js"), type: "text/javascript; charset=utf-8" },
  "uplot.css": { path: require.resolve("uplot/dist/uPlot.min.css"), type: "text/css; charset=utf-8" },
};

const ASSETS: ReadonlyMap<string, Asset> = new Map(
  Object.entries(SOURCES).map(([name, source]) => {
    const body = readFileSync(source.path);
    return [
      name,
      { body, type: source.type, hash: createHash("sha256").update(body).digest("hex").slice(0, 12) },
    ];
  }),
);

export const ASSET_PREFIX = "/assets/kasse";

/** The URL of an asset, versioned by its content. */
export function assetUrl(name: keyof typeof SOURCES | string): string {
  const asset = ASSETS.get(name);
  if (!asset) throw new Error(`no asset ${name}`);
  return `${ASSET_PREFIX}/${asset.hash}/${name}`;
}

export async function assetRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { hash: string; name: string } }>(
    `${ASSET_PREFIX}/:hash/:name`,
    async (request, reply) => {
      const asset = ASSETS.get(request.params.name);
      if (!asset) return reply.code(404).send({ error: "not_found" });
      return reply
        .header("content-type", asset.type)
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "public, max-age=31536000, immutable")
        .send(asset.body);
    },
  );
}
