import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Per-checkout-session form tokens: every buyer form carries HMAC(secret, sessionId), so a page
 * on another site cannot post to the buyer pages for a session it has not been shown (it cannot
 * read the emulator's pages, so it cannot learn the token).
 */
export interface FormTokens {
  issue(checkoutSessionId: string): string;
  verify(checkoutSessionId: string, token: unknown): boolean;
}

/** `secret` defaults to 32 random bytes: tokens then last as long as the process. */
export function createFormTokens(secret: Uint8Array = randomBytes(32)): FormTokens {
  const issue = (checkoutSessionId: string) =>
    createHmac("sha256", secret).update(`buyer-form\n${checkoutSessionId}`).digest("base64url");
  return {
    issue,
    verify(checkoutSessionId, token) {
      if (typeof token !== "string") return false;
      const expected = Buffer.from(issue(checkoutSessionId));
      const given = Buffer.from(token);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
