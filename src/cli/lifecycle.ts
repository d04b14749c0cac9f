/**
 * How every long-running command behaves (CONTRACT.md): exactly one JSON ready line on stdout once
 * all listeners are up, logs on stderr, and SIGTERM/SIGINT drain the listeners and exit 0.
 */
import type { Logger } from "../log.js";

export interface Running {
  close(): Promise<void>;
}

export function announceReady(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ready: true, ...fields })}\n`);
}

export function closeOnSignals(running: readonly Running[], logger: Logger): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, "shutting down");
    // Close in reverse start order: the gateway drains before the emulator it calls goes away.
    const closeAll = [...running]
      .reverse()
      .reduce<Promise<void>>((previous, part) => previous.then(() => part.close()), Promise.resolve());
    closeAll.then(
      () => {
        logger.flush?.();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

/**
 * SIGHUP reloads what can change without a restart (a renewed TLS certificate); a failed reload
 * is logged and the old state kept, so a half-copied certificate file never takes the node down.
 */
export function reloadOnHangup(logger: Logger, reload: () => Promise<void>): void {
  process.on("SIGHUP", () => {
    reload().then(
      () => logger.info({ signal: "SIGHUP" }, "TLS certificate reloaded"),
      (error: unknown) =>
        logger.error({ signal: "SIGHUP", err: error }, "TLS certificate reload failed; the old one stays"),
    );
  });
}
