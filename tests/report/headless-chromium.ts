import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bundledChromium from "@sparticuz/chromium";
import { type BrowserContext, chromium } from "playwright-core";

/** The headless Chromium and the flags it is started with. */
export interface HeadlessChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Where the browser is: `DUCKMART_CHROMIUM` when set, else the binary that
 * ships inside the `@sparticuz/chromium` dev dependency (decompressed once
 * into the temp folder), so `npm ci && npm test` needs no system package.
 */
export async function chromiumPath(): Promise<string> {
  const override = process.env.DUCKMART_CHROMIUM;
  if (override !== undefined && override !== "") {
    if (!existsSync(override)) {
      throw new Error(`DUCKMART_CHROMIUM names ${override}, which does not exist`);
    }
    return override;
  }
  return bundledChromium.executablePath();
}

/**
 * Starts Chromium through playwright-core with a throwaway profile. A browser
 * that cannot start is a failure, never a skip: a report test that silently
 * skips proves nothing. There is no network here, so nothing that phones home
 * (component updates, sync, first-run pages) is let start.
 */
export async function launchChromium(): Promise<HeadlessChromium> {
  const executablePath = await chromiumPath();
  const profile = mkdtempSync(join(tmpdir(), "duckmart-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
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
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
