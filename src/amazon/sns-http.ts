import { isIP } from "node:net";
import { Agent, type Dispatcher, request } from "undici";

/**
 * HTTP for SNS traffic in both directions (the emulator posting IPNs, the gateway fetching a
 * signing certificate). TLS verification is never switched off process-wide (the official SDK
 * does that, §1): only requests to loopback targets get a dispatcher that accepts self-signed
 * certificates, because on loopback the peer is this machine anyway.
 */

/** 127.0.0.0/8, ::1 and `localhost` (URL hostnames may carry IPv6 brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}

/** Why a URL may not be posted to, or `undefined` when it may: https anywhere, http only on loopback. */
export function refuseTarget(url: URL): string | undefined {
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:") {
    return isLoopbackHost(url.hostname) ? undefined : "plain http is allowed for loopback targets only";
  }
  return `unsupported scheme ${url.protocol}`;
}

export interface TargetDispatcherOptions {
  /** Connect, headers and body timeouts; a hanging peer must not hold a worker. */
  timeoutMs: number;
}

export interface TargetDispatchers {
  /** The dispatcher for one request to `url`. */
  forUrl(url: URL): Dispatcher;
  close(): Promise<void>;
}

export function createTargetDispatchers(options: TargetDispatcherOptions): TargetDispatchers {
  const timeouts = {
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connectTimeout: options.timeoutMs,
  };
  const strict = new Agent(timeouts);
  const loopback = new Agent({ ...timeouts, connect: { rejectUnauthorized: false } });
  return {
    forUrl: (url) => (isLoopbackHost(url.hostname) ? loopback : strict),
    close: async () => {
      await Promise.all([strict.close(), loopback.close()]);
    },
  };
}

/** Fetches a PEM certificate over https (http only on loopback); rejects on any non-200. */
export function createCertificateFetcher(dispatchers: TargetDispatchers): (url: string) => Promise<string> {
  return async (text) => {
    const url = new URL(text);
    const refusal = refuseTarget(url);
    if (refusal) throw new Error(refusal);
    const response = await request(url, { dispatcher: dispatchers.forUrl(url) });
    const body = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`certificate fetch answered ${response.statusCode}`);
    return body;
  };
}
