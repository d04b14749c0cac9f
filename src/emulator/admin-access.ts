/**
 * Who may use `/__admin` (issue 12): it moves the clock, injects faults and creates merchants
 * whose answer holds a private key.
 *
 * - A configured token (`adminToken`, `KASSE_EMULATOR_ADMIN_TOKEN`): every `/__admin` request
 *   needs `Authorization: Bearer <token>`.
 * - No token, listening on loopback only: open, as CONTRACT.md's `kasse emulator` describes.
 * - No token, listening on another address: a token is generated (reported in the ready line as
 *   `emulatorAdminToken`); callers on this machine (loopback peers, e.g. the gateway of
 *   `kasse start`) need none, every other caller needs it. Behind a reverse proxy on the same
 *   machine configure a token: then no caller is exempt.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { AmazonError } from "./errors.js";

export interface AdminAccess {
  /** The token `/__admin` asks for, or undefined when it is open. */
  readonly token: string | undefined;
  /** Whether the token was generated here (and must be reported). */
  readonly generated: boolean;
  /** Whether callers from this machine may omit the token. */
  readonly loopbackExempt: boolean;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

function isLoopbackPeer(address: string | undefined): boolean {
  return address !== undefined && isLoopbackHost(address.replace(/^::ffff:/, ""));
}

export function adminAccessFor(host: string, configuredToken: string | undefined): AdminAccess {
  if (configuredToken !== undefined && configuredToken !== "") {
    return { token: configuredToken, generated: false, loopbackExempt: false };
  }
  if (isLoopbackHost(host)) return { token: undefined, generated: false, loopbackExempt: true };
  return { token: randomBytes(24).toString("base64url"), generated: true, loopbackExempt: true };
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Refuses `/__admin` requests without the token (401 `UnauthorizedAccess`, Amazon's shape). */
export function guardAdmin(app: FastifyInstance, access: AdminAccess): void {
  const { token } = access;
  if (token === undefined) return;
  app.addHook("onRequest", async (request, reply) => {
    const path = (request.raw.url ?? "/").split("?")[0] as string;
    if (path !== "/__admin" && !path.startsWith("/__admin/")) return;
    if (access.loopbackExempt && isLoopbackPeer(request.socket.remoteAddress)) return;
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (given !== undefined && sameToken(given, token)) return;
    const error = new AmazonError(
      "UnauthorizedAccess",
      "The emulator's admin API needs its token (Authorization: Bearer …).",
    );
    return reply.code(401).type("application/json").send(error.toBody());
  });
}
