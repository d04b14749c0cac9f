/**
 * Chromium for the browser suites (docs/RELIABILITY.md, "Tests that need a component"): where it
 * is, whether this run skips them on purpose, how it is launched, and the console errors of the
 * pages a suite opens (every suite asserts there are none it did not expect).
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** `KASSE_BROWSER_TESTS=0` skips the browser suites on purpose; otherwise they run. */
export const BROWSER_SKIP =
  process.env.KASSE_BROWSER_TESTS === "0" ? "KASSE_BROWSER_TESTS=0: browser tests skipped on purpose" : false;

/** Headless Chromium; a missing one fails the suite saying what to do. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (apt-get install chromium), set CHROMIUM_PATH, or skip with KASSE_BROWSER_TESTS=0`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Collects the page's console errors and uncaught exceptions into `errors`. */
export function collectConsoleErrors(page: Page, errors: string[]): void {
  page.on("console", (entry) => {
    if (entry.type() === "error") errors.push(`${entry.text()} (${entry.location().url})`);
  });
  page.on("pageerror", (error) => errors.push(String(error)));
}
