import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ShopNotification } from "../core/outcome.js";
import { type DoorMessage, type DoorNotifier, notifyDoors } from "./ports.js";
import { paymentUntil } from "./test-support.js";

const payment = paymentUntil("authorized");
const action = payment.actions[0] as ShopNotification["action"];
const NOTIFICATION: ShopNotification = {
  kind: "capture",
  payment,
  action,
  event: { type: "capture", result: "OK", xid: action.xid, transId: payment.transId, amount: 100 },
};

describe("notifyDoors", () => {
  it("asks every door for its renderer first, then renders each event for every door that has one", async () => {
    const asked: string[] = [];
    let reads = 0;
    const urlNotify: DoorNotifier = {
      async rendererFor(merchantId) {
        asked.push(`paygate:${merchantId}`);
        reads += 1;
        return (door) => [{ channel: "urlnotify", url: String(door.urlNotify), body: "notify" }];
      },
    };
    const webhooks: DoorNotifier = {
      async rendererFor(merchantId) {
        asked.push(`api:${merchantId}`);
        reads += 1;
        return (_door, notification) =>
          ["we_1", "we_2"].map(
            (endpointId): DoorMessage => ({
              channel: "webhook",
              endpointId,
              eventId: `evt_${notification.event.xid}`,
              eventType: "payment.capture.succeeded",
              body: "{}",
            }),
          );
      },
    };
    const nobody: DoorNotifier = { rendererFor: async () => undefined };
    const render = await notifyDoors([urlNotify, nobody, webhooks], () => undefined).rendererFor("m1");
    assert.deepEqual(asked, ["paygate:m1", "api:m1"]);
    assert.ok(render);
    const messages = render({ urlNotify: "https://shop.example/notify" }, NOTIFICATION);
    assert.deepEqual(
      messages.map((message) => (message.channel === "webhook" ? message.endpointId : message.url)),
      ["https://shop.example/notify", "we_1", "we_2"],
    );
    // Rendering (inside the step's transaction) asks no door again.
    render({}, NOTIFICATION);
    assert.equal(reads, 2);
  });

  it("has no renderer when no door has anybody to tell", async () => {
    const nobody: DoorNotifier = { rendererFor: async () => undefined };
    assert.equal(await notifyDoors([nobody, nobody], () => undefined).rendererFor("m1"), undefined);
  });
});
