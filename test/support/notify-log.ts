/**
 * A shop's URLNotify endpoint on loopback (plain http, allowed for emulator merchants) that
 * acknowledges every POST with 200 and logs it with the gateway incarnation it arrived in, so a
 * crash test can tell a redelivery after a restart (allowed: at least once) from a duplicate
 * sent by one running process (a bug).
 */
import { createServer, type Server } from "node:http";

export interface LoggedNotify {
  readonly body: string;
  /** How many gateway restarts had begun when the request arrived. */
  readonly incarnation: number;
}

export class NotifyLog {
  readonly received: LoggedNotify[] = [];
  /** Bumped by the test right before it spawns a restarted gateway. */
  incarnation = 0;
  url = "";
  readonly #server: Server;
  #changed: () => void = () => {};

  constructor() {
    this.#server = createServer((req, res) => {
      // Tagged when the request starts: everything a dead process sent was read before the
      // restart that follows its exit (the test lets the event loop drain in between).
      const incarnation = this.incarnation;
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        this.received.push({ body: Buffer.concat(chunks).toString("utf8"), incarnation });
        res.writeHead(200).end("OK");
        this.#changed();
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    if (address === null || typeof address !== "object") throw new Error("no address");
    this.url = `http://127.0.0.1:${address.port}/notify`;
  }

  /**
   * Resolves once `done()` holds (checked at every arrival), or after `timeoutMs` without it —
   * the caller's assertions then say what is missing.
   */
  async until(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.#changed = () => {
        if (done()) finish();
      };
    });
    this.#changed = () => {};
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
