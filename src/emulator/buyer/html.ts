/**
 * The buyer pages' frame with the "Emulator" banner, and how they are sent. Escaping is Kasse's
 * one HTML template (`src/http/html.ts`), shared with the back office.
 */

import type { FastifyReply } from "fastify";
import { html, SafeHtml } from "../../http/html.js";

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 "Amazon Ember",Arial,sans-serif;color:#0f1111;background:#f3f3f3}
.banner{background:#b12704;color:#fff;text-align:center;font-size:13px;padding:4px 8px;letter-spacing:.02em}
header{background:#232f3e;color:#fff;padding:12px 24px;display:flex;align-items:center;gap:10px}
.logo{font-weight:700;font-size:20px}.logo span{color:#ff9900}
.sandbox{border:1px solid #ff9900;color:#ff9900;border-radius:3px;font-size:11px;padding:1px 6px;text-transform:uppercase}
main{max-width:640px;margin:24px auto;background:#fff;border:1px solid #d5d9d9;border-radius:8px;padding:24px 28px}
h1{font-size:22px;font-weight:500;margin:0 0 12px}
h2{font-size:16px;margin:20px 0 8px}
.merchant{color:#565959;font-size:13px;margin-bottom:16px}
.option{display:flex;gap:10px;align-items:flex-start;border:1px solid #d5d9d9;border-radius:6px;padding:10px 12px;margin:8px 0;cursor:pointer}
.option:has(input:checked){border-color:#e77600;background:#fcf5ee}
.option input{margin-top:4px}
.option.unavailable{color:#888c8c;cursor:not-allowed;background:#f7f7f7}
.unavailable-reason{color:#b12704;font-size:13px}
.muted{color:#565959;font-size:13px}
.amount{font-size:20px;font-weight:700;color:#b12704}
.summary{border:1px solid #d5d9d9;border-radius:6px;padding:10px 14px;margin:10px 0}
.actions{display:flex;gap:12px;align-items:center;margin-top:20px;flex-wrap:wrap}
button,.button{font:inherit;border-radius:20px;padding:8px 22px;border:1px solid #fcd200;background:#ffd814;color:#0f1111;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#fff;border-color:#d5d9d9}
.error{background:#fff5f5;border:1px solid #cc0c39;color:#cc0c39;border-radius:6px;padding:10px 14px;margin:10px 0}
.hint{background:#f0f8ff;border:1px solid #7fb2e5;border-radius:6px;padding:8px 12px;font-size:13px;margin:10px 0}
input[type=text]{font:inherit;padding:6px 8px;border:1px solid #888c8c;border-radius:4px;width:10em;letter-spacing:.2em}
footer{text-align:center;color:#565959;font-size:12px;margin:16px}
`;

/** A whole buyer page: banner, header, content, footer. */
export function page(title: string, content: SafeHtml, language = "de"): string {
  return html`<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${title} – Amazon Pay (Emulator)</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<div class="banner" role="note">Emulator – Kasse's offline Amazon Pay sandbox. No real payment takes place.</div>
<header><span class="logo">amazon <span>pay</span></span><span class="sandbox">Sandbox</span></header>
<main>
${content}
</main>
<footer>Amazon Pay v2 emulator · test buyers only</footer>
</body>
</html>`.markup;
}

/** Sends a buyer page: no caching, no framing, no scripts (the pages need none). */
export function sendHtml(reply: FastifyReply, status: number, body: string) {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("x-frame-options", "DENY")
    .header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action *; frame-ancestors 'none'",
    )
    .send(body);
}
