import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); playwright-core downloads no browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser suite runs: where Chromium is installed, and always in CI (`CI_REQUIRE_SERVICES=1`, set by
 * `.ci/run`, which installs it), so a missing browser fails CI instead of being skipped there.
 */
export const chromiumRequired = existsSync(CHROMIUM) || process.env.CI_REQUIRE_SERVICES === '1';

/** Why the suite is skipped, printed where it is. */
export const CHROMIUM_MISSING = `browser suite SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium; CI_REQUIRE_SERVICES=1 makes this a failure)`;

/** Headless Debian Chromium: no sandbox (CI runs as root), no GPU, no background requests. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A page that records every Content-Security-Policy violation the browser reports on it. */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; cspViolations: string[] }> {
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return { page, cspViolations };
}
