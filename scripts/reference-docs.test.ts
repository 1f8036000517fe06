import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from '../src/config/index.js';
import { errorCatalogue, renderErrorReference } from '../src/lib/errors/index.js';

const read = (file: string) => readFileSync(new URL(`../docs/reference/${file}`, import.meta.url), 'utf8');

describe('reference docs', () => {
  it('docs/reference/config.md matches the config schema (run npm run docs)', () => {
    expect(read('config.md')).toBe(renderConfigReference());
  });

  it('docs/reference/errors.md matches the error catalogue (run npm run docs)', () => {
    expect(read('errors.md')).toBe(renderErrorReference());
  });

  it('every error code is namespaced and every status is a 4xx or 5xx', () => {
    for (const [code, spec] of Object.entries(errorCatalogue)) {
      expect(code).toMatch(/^[a-z]+(\.[a-z_]+)+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(600);
      expect(spec.description.length).toBeGreaterThan(10);
    }
  });
});
