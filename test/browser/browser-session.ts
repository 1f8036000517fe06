import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REDIRECT_URI } from '../oidc/user-sign-in.js';
import { blockingViolations } from './accessibility.js';
import { watchedPage } from './chromium.js';

/** Where Chromium shows a navigation that failed. */
const CHROMIUM_ERROR_PAGE = 'chrome-error://chromewebdata/';

/**
 * A fresh browser session (its own context: no cookies, no credentials) on the sign-in pages. It sees where the
 * provider sends the browser (the application's redirect URI, where nothing runs), and audits every page it is asked
 * to check with axe-core.
 */
export class BrowserSession {
  /** The serious and critical axe violations found, prefixed with the page they are on. */
  readonly violations: string[] = [];
  /** The pages audited, in order. */
  readonly audited: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly cspViolations: string[],
  ) {}

  /** Opens a new context and page. */
  static async open(browser: Browser): Promise<BrowserSession> {
    const context = await browser.newContext();
    const { page, cspViolations } = await watchedPage(context);
    return new BrowserSession(context, page, cspViolations);
  }

  /** Waits for the page whose heading is `heading`, then audits it. */
  async at(heading: string): Promise<void> {
    await this.page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
    await this.audit(heading);
  }

  /** Audits the current page with axe-core, under `label`. */
  async audit(label: string): Promise<void> {
    this.audited.push(label);
    this.violations.push(...(await blockingViolations(this.page)).map((violation) => `${label}: ${violation}`));
  }

  /** Fills the field labelled `label`. */
  fill(label: string, value: string): Promise<void> {
    return this.page.getByLabel(label, { exact: true }).fill(value);
  }

  /** Clicks the button named `name`. */
  press(name: string): Promise<void> {
    return this.page.getByRole('button', { name, exact: true }).click();
  }

  /**
   * Clicks the button named `name` and waits until the provider sends the browser to the application's redirect
   * URI; returns that URL. The request is watched, not answered: it is the last hop of a redirect chain, which
   * `page.route` does not intercept (Playwright routes a chain's first request only), and nothing listens there:
   * the request fails and Chromium shows its error page, which is waited for so the next navigation is not cut short.
   */
  async pressAndReturn(name: string): Promise<URL> {
    const [callback] = await Promise.all([
      this.page.waitForEvent('requestfailed', (request) => request.url().startsWith(REDIRECT_URI)),
      this.press(name),
    ]);
    await this.page.waitForURL(CHROMIUM_ERROR_PAGE);
    return new URL(callback.url());
  }

  /** Asserts that no page broke its content security policy, then closes the context. */
  async close(): Promise<void> {
    expect(this.cspViolations).toEqual([]);
    await this.context.close();
  }
}
