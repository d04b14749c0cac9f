/**
 * Security headers of every back-office and demo-shop answer; the Content-Security-Policy comes
 * from src/http/content-security.ts, which the Paygate door's hosted payment page shares.
 */
import type { FastifyReply } from "fastify";
import { contentSecurityPolicy, type PolicyOptions } from "../http/content-security.js";

export function sendPage(
  reply: FastifyReply,
  markup: string,
  options: PolicyOptions = {},
  status = 200,
): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("content-security-policy", contentSecurityPolicy(options))
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "same-origin")
    .header("cache-control", "no-store")
    .header("x-frame-options", "DENY")
    .send(markup);
}
