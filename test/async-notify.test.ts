/**
 * Durable URLNotify (docs/async.md): a shop endpoint that answers garbage, hangs, or fails gets
 * its notification later, exactly once; one that never recovers leaves a `failed` notification
 * that the admin API shows and can resend.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { request } from "undici";
import type { ShopCredentials } from "../src/paygate/client.js";
import { completionResult } from "../src/paygate/tables.js";
import { admin, createAsyncShop, pay, readNotify, startAsyncWorld, startPayment } from "./async-support.js";
import { ADMIN_TOKEN, type World } from "./paygate-support.js";

type Behaviour = "garbage" | "hang" | "500" | "ok";

/**
 * A shop endpoint on a raw socket, so it can misbehave below HTTP: each request takes the next
 * behaviour (then `ok`); acknowledged bodies are kept.
 */
class UnrulyShop {
  readonly acknowledged: string[] = [];
  behaviours: Behaviour[] = [];
  hits = 0;
  url = "";
  readonly #server: Server;
  readonly #hanging: Socket[] = [];
  #waiters: Array<() => void> = [];

  constructor() {
    this.#server = createServer((socket) => {
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk.toString("latin1");
        const end = data.indexOf("\r\n\r\n");
        if (end === -1) return;
        const length = Number(/content-length:\s*(\d+)/i.exec(data)?.[1] ?? 0);
        if (data.length < end + 4 + length) return;
        const body = data.slice(end + 4, end + 4 + length);
        this.#answer(socket, body);
        data = "";
      });
      socket.on("error", () => undefined);
    });
  }

  #answer(socket: Socket, body: string): void {
    this.hits += 1;
    const behaviour = this.behaviours.shift() ?? "ok";
    if (behaviour === "hang") {
      this.#hanging.push(socket);
      return;
    }
    if (behaviour === "garbage") {
      socket.end("this is not HTTP at all\r\n\r\n");
      return;
    }
    const status = behaviour === "ok" ? "200 OK" : "500 Internal Server Error";
    socket.end(`HTTP/1.1 ${status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nOK`);
    if (behaviour === "ok") {
      this.acknowledged.push(body);
      for (const waiter of this.#waiters.splice(0)) waiter();
    }
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    assert.ok(address && typeof address === "object");
    this.url = `http://127.0.0.1:${address.port}`;
  }

  /** Resolves once `count` bodies were acknowledged. */
  async acknowledgedCount(count: number): Promise<string[]> {
    while (this.acknowledged.length < count)
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.acknowledged;
  }

  async close(): Promise<void> {
    for (const socket of this.#hanging) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

let world: World;
let shop: ShopCredentials;
let unruly: UnrulyShop;

before(async () => {
  world = await startAsyncWorld({
    gateway: { notifyTimeoutMs: 300, notifyRetryScheduleMs: [20, 20, 20, 20] },
  });
  shop = await createAsyncShop(world, "shop-notify");
  unruly = new UnrulyShop();
  await unruly.start();
});
after(async () => {
  await world.close();
  await unruly.close();
});

interface Listed {
  notificationId: number;
  payId: string;
  event: string;
  status: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
}

/** The payment's notification once it has `status` (the shop's 2xx comes before Kasse records it). */
async function rowOnce(payId: string, status: string): Promise<Listed> {
  for (;;) {
    const [row] = await listed(`?payId=${payId}`);
    if (row?.status === status) return row;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function listed(query = ""): Promise<Listed[]> {
  const answer = await admin(world, "GET", `/merchants/shop-notify/notifications${query}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.notifications as Listed[];
}

describe("durable URLNotify", { timeout: 60_000 }, () => {
  it("garbage, a hang and a 500 first: the notification arrives later, exactly once", async () => {
    unruly.behaviours = ["garbage", "hang", "500"];
    const answer = await startPayment(world, shop, "T-UNRULY", { URLNotify: `${unruly.url}/notify` });
    const payId = answer.values.PayID as string;
    await pay(world, answer);
    const [body] = await unruly.acknowledgedCount(1);
    const done = readNotify(shop, completionResult, body as string);
    assert.equal(done.values.Status, "OK");
    assert.equal(done.values.PayID, payId);
    assert.equal(unruly.hits, 4, "three failed attempts, one delivery");
    const row = await rowOnce(payId, "delivered");
    assert.equal(row.attempts, 4);
    assert.equal(row.event, "completion");
    assert.equal(row.nextAttemptAt, null);
  });

  it("given up after the schedule, listed as failed with its last error, resent by the admin once", async () => {
    unruly.behaviours = ["500", "500", "500", "500", "500"];
    const hits = unruly.hits;
    const acknowledged = unruly.acknowledged.length;
    const answer = await startPayment(world, shop, "T-GIVEUP", { URLNotify: `${unruly.url}/notify` });
    const payId = answer.values.PayID as string;
    await pay(world, answer);
    const row = await rowOnce(payId, "failed");
    assert.equal(row.attempts, 5, "the first attempt and four retries");
    assert.equal(row.lastError, "HTTP 500");
    assert.equal(unruly.hits - hits, 5);
    assert.equal(unruly.acknowledged.length, acknowledged);
    assert.deepEqual(
      (await listed("?status=failed")).map((failed) => failed.notificationId),
      [row.notificationId],
    );

    const resent = await admin(
      world,
      "POST",
      `/merchants/shop-notify/notifications/${row.notificationId}/resend`,
    );
    assert.equal(resent.status, 202);
    assert.equal(resent.body.status, "pending");
    await unruly.acknowledgedCount(acknowledged + 1);
    const after = await rowOnce(payId, "delivered");
    assert.equal(after.attempts, 6);
    assert.equal(unruly.hits - hits, 6, "delivered once after the resend, not again");
  });

  it("the admin API checks its input and the token", async () => {
    assert.equal((await admin(world, "GET", "/merchants/nobody/notifications")).status, 404);
    assert.equal((await admin(world, "GET", "/merchants/shop-notify/notifications?status=lost")).status, 400);
    assert.equal((await admin(world, "GET", "/merchants/shop-notify/notifications?limit=0")).status, 400);
    assert.equal(
      (await admin(world, "POST", "/merchants/shop-notify/notifications/999999/resend")).status,
      404,
    );
    const foreign = (await listed())[0];
    assert.ok(foreign);
    assert.equal(
      (await admin(world, "POST", `/merchants/other-shop/notifications/${foreign.notificationId}/resend`))
        .status,
      404,
      "a merchant's notification is not reachable under another merchant",
    );
    const response = await request(`${world.gateway.url}/api/admin/merchants/shop-notify/notifications`, {
      headers: { authorization: `Bearer not-${ADMIN_TOKEN}` },
      dispatcher: world.agent,
    });
    await response.body.dump();
    assert.equal(response.statusCode, 401);
  });
});
