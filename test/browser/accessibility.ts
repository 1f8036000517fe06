import axe, { type AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

/** The impacts a page of Bulwark must not have. */
const BLOCKING = new Set(['serious', 'critical']);

/**
 * Runs axe-core on the page as it is and returns its serious and critical violations, one line each (rule, help,
 * offending elements). axe is injected through the DevTools protocol (`page.evaluate` is `Runtime.evaluate`,
 * which the page's CSP does not govern), so the page keeps its real policy: no `bypassCSP`.
 */
export async function blockingViolations(page: Page): Promise<string[]> {
  // Source text, evaluated in the page (the project's TypeScript has no DOM types).
  if (!(await page.evaluate<boolean>("'axe' in window"))) await page.evaluate(axe.source);
  const results = await page.evaluate<AxeResults>("axe.run(document, { resultTypes: ['violations'] })");
  return results.violations
    .filter((violation) => BLOCKING.has(violation.impact ?? ''))
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}
