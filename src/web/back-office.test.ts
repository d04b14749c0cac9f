/**
 * The back office's sign-in, sessions, CSRF and rate limit through `inject` on a real database:
 * what the browser tests cannot time (idle and absolute timeouts, rotation) is driven by a
 * manual clock here.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from "fastify";
import { ManualClock } from "../core/clock.js";
import { GATEWAY_MIGRATIONS_DIR } from "../gateway/index.js";
import { SecretBox } from "../gateway/secrets.js";
import { MerchantDirectory } from "../merchants/directory.js";
import type { Database } from "../store/database.js";
import { openTestDatabase } from "../store/test-database.js";
import { setAccount } from "./accounts.js";
import { registerBackOffice } from "./back-office.js";
import { sessionAuthenticator } from "./session-auth.js";
import { type BackOfficeSessions, SESSION_COOKIE } from "./sessions.js";

const PASSWORD = "correct horse battery";
let db: Database;
let app: FastifyInstance;
let sessions: BackOfficeSessions;
const clock = new ManualClock(Date.UTC(2026, 5, 1));

function cookiesOf(response: LightMyRequestResponse): Record<string, string> {
  const header = response.headers["set-cookie"];
  const list = Array.isArray(header) ? header : header ? [header] : [];
  return Object.fromEntries(list.map((line) => line.split(";")[0]?.split("=") as [string, string]));
}

/** The sign-in form's token and cookie, as a browser gets them. */
async function signInForm(): Promise<{ token: string; cookie: string }> {
  const form = await app.inject({ method: "GET", url: "/back-office/sign-in" });
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? "";
  return { token, cookie: `__Host-kasse-sign-in=${cookiesOf(form)["__Host-kasse-sign-in"]}` };
}

async function signIn(user: string, password: string, ip = "10.0.0.1") {
  const { token, cookie } = await signInForm();
  return app.inject({
    method: "POST",
    url: "/back-office/sign-in",
    remoteAddress: ip,
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ _csrf: token, user, password }).toString(),
  });
}

before(async () => {
  db = await openTestDatabase(GATEWAY_MIGRATIONS_DIR);
  const secrets = new SecretBox(randomBytes(32));
  app = Fastify();
  sessions = registerBackOffice(app, {
    db,
    clock,
    merchants: new MerchantDirectory({ db, secrets, clock }),
    secrets,
    publicUrl: () => "https://kasse.test",
  });
  app.post("/probe", async (request, reply) => {
    const principal = await sessionAuthenticator(sessions)(request);
    return reply.code(principal ? 200 : 401).send(principal ?? {});
  });
  await app.ready();
  await setAccount(db, clock, { user: "Olga", password: PASSWORD, role: "operator" }, "test");
  await setAccount(db, clock, { user: "mallory", password: PASSWORD, role: "operator" }, "test");
});
after(async () => {
  await app.close();
  await db.close();
});

describe("back-office sign-in and sessions", () => {
  it("sends a visitor without a session to the sign-in page", async () => {
    const response = await app.inject({ method: "GET", url: "/back-office/payments" });
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, "/back-office/sign-in?next=%2Fback-office%2Fpayments");
  });

  it("signs in with a secure, server-side session cookie and serves pages under a strict CSP", async () => {
    const response = await signIn("OLGA ", PASSWORD);
    assert.equal(response.statusCode, 303);
    const setCookie = String(response.headers["set-cookie"]);
    assert.match(
      setCookie,
      new RegExp(`${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; Secure; HttpOnly; SameSite=Strict`),
    );
    const id = cookiesOf(response)[SESSION_COOKIE];
    const dashboard = await app.inject({
      method: "GET",
      url: "/back-office/",
      headers: { cookie: `${SESSION_COOKIE}=${id}` },
    });
    assert.equal(dashboard.statusCode, 200);
    const csp = String(dashboard.headers["content-security-policy"]);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /style-src 'self';/);
    assert.doesNotMatch(dashboard.body, /<script>|<script(?![^>]*\bsrc=)[^>]*>|style="/);
    const rows = await db.query<{ id_hash: string }>("SELECT id_hash FROM back_office_sessions");
    assert.ok(
      rows.every((row) => row.id_hash !== id),
      "the id itself is not stored",
    );
  });

  it("refuses a sign-in form without its token, and a wrong password, without telling which part was wrong", async () => {
    const noToken = await app.inject({
      method: "POST",
      url: "/back-office/sign-in",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `user=olga&password=${encodeURIComponent(PASSWORD)}`,
    });
    assert.equal(noToken.statusCode, 403);
    assert.equal(noToken.headers["set-cookie"]?.includes(SESSION_COOKIE), false);
    const wrong = await signIn("olga", "not the password", "10.0.0.2");
    const unknown = await signIn("nobody", "not the password", "10.0.0.2");
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.match(wrong.body, /User name or password is wrong/);
  });

  it("locks an account after 5 failures, even against the right password, and counts per address too", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      assert.equal((await signIn("mallory", "guess", `10.1.0.${attempt}`)).statusCode, 401);
    }
    const locked = await signIn("mallory", PASSWORD, "10.1.0.99");
    assert.equal(locked.statusCode, 429);
    assert.match(locked.body, /Too many failed attempts/);
    clock.advance(16 * 60_000);
    assert.equal((await signIn("mallory", PASSWORD, "10.1.0.99")).statusCode, 303);
    for (let attempt = 0; attempt < 20; attempt++) {
      await signIn(`user${attempt}`, "guess", "10.9.9.9");
    }
    assert.equal((await signIn("olga", PASSWORD, "10.9.9.9")).statusCode, 429);
    clock.advance(16 * 60_000);
  });

  it("needs the session's CSRF token for every POST, in the form or (for the API) the header", async () => {
    const id = cookiesOf(await signIn("olga", PASSWORD))[SESSION_COOKIE];
    const cookie = `${SESSION_COOKIE}=${id}`;
    const page = await app.inject({ method: "GET", url: "/back-office/", headers: { cookie } });
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
    assert.ok(token);
    const forged = await app.inject({
      method: "POST",
      url: "/back-office/sign-out",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: "_csrf=forged",
    });
    assert.equal(forged.statusCode, 403);
    assert.equal((await app.inject({ method: "POST", url: "/probe", headers: { cookie } })).statusCode, 401);
    const probe = await app.inject({
      method: "POST",
      url: "/probe",
      headers: { cookie, "x-csrf-token": token },
    });
    assert.equal(probe.statusCode, 200);
    assert.deepEqual(probe.json(), { kind: "operator", actor: "olga", role: "operator" });
    const out = await app.inject({
      method: "POST",
      url: "/back-office/sign-out",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: `_csrf=${token}`,
    });
    assert.equal(out.statusCode, 303);
    assert.equal(
      (await app.inject({ method: "GET", url: "/back-office/", headers: { cookie } })).statusCode,
      303,
    );
  });

  it("ends a session after 30 idle minutes and after 12 hours, and rotates its id every 15 minutes", async () => {
    const id = cookiesOf(await signIn("olga", PASSWORD))[SESSION_COOKIE] as string;
    clock.advance(31 * 60_000);
    assert.equal((await sessions.resolve(id)) === undefined, true);

    let current = cookiesOf(await signIn("olga", PASSWORD))[SESSION_COOKIE] as string;
    // 44 rotations of 16 minutes: 11 h 44 min after sign-in, still alive.
    for (let step = 0; step < 44; step++) {
      clock.advance(16 * 60_000);
      const session = await sessions.resolve(current, true);
      assert.ok(session, `session alive at step ${step}`);
      assert.ok(session.rotatedId && session.rotatedId !== current);
      assert.equal(await sessions.resolve(current), undefined, "the old id is void");
      current = session.rotatedId;
    }
    clock.advance(17 * 60_000);
    assert.equal(await sessions.resolve(current, true), undefined, "past 12 hours from sign-in");
  });

  it("writes every sign-in, refusal and CSRF refusal to the audit log", async () => {
    const rows = await db.query<{ action: string; outcome: string }>(
      "SELECT action, outcome FROM back_office_audit",
    );
    const seen = new Set(rows.map((row) => `${row.action}:${row.outcome}`));
    for (const expected of ["sign-in:ok", "sign-in:refused", "csrf.refused:refused", "sign-out:ok"]) {
      assert.ok(seen.has(expected), expected);
    }
  });
});
