import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's `chromium` package; `DUCKMART_CHROMIUM` points elsewhere. */
export const chromiumPath = process.env.DUCKMART_CHROMIUM ?? "/usr/bin/chromium";

/** A headless Chromium with a throwaway profile; `close()` removes the profile. */
export interface HeadlessChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts the system Chromium through playwright-core. A missing browser is
 * a failure, never a skip: CI installs it (`apt-get install -y chromium`),
 * and a report test that silently skips proves nothing.
 */
export async function launchChromium(): Promise<HeadlessChromium> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is not installed at ${chromiumPath}: run \`apt-get install -y chromium\` (or set DUCKMART_CHROMIUM)`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "duckmart-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
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
