import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorCatalogue } from './catalogue.js';
import type { ErrorSpec } from './error-spec.js';

const srcDir = fileURLToPath(new URL('../../', import.meta.url));
const catalogueDir = fileURLToPath(new URL('./catalogue/', import.meta.url));

// Every source file under src/ except the catalogue itself and tests: a code named only in a test is not raised.
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path + '/' === catalogueDir ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

const source = sourceFiles(srcDir).map((file) => ({ file: relative(srcDir, file), text: readFileSync(file, 'utf8') }));
// A reference is the code as a whole string literal: 'code', "code" or `code`.
const referenced = (code: string) =>
  source
    .filter(({ text }) => text.includes(`'${code}'`) || text.includes(`"${code}"`) || text.includes(`\`${code}\``))
    .map(({ file }) => file);
const entries = Object.entries(errorCatalogue as Record<string, ErrorSpec>);

describe('error catalogue says only what is true', () => {
  it('reads the source tree (guards the walk itself)', () => {
    expect(source.some(({ file }) => file === 'lib/errors/app-error.ts')).toBe(true);
    expect(source.some(({ file }) => file.startsWith('lib/errors/catalogue/'))).toBe(false);
  });

  it('every code that is not reserved is raised or reported somewhere in src/', () => {
    const neverReferenced = entries
      .filter(([code, spec]) => !spec.reserved && referenced(code).length === 0)
      .map(([code]) => code);
    expect(
      neverReferenced,
      'mark these `reserved: true` in src/lib/errors/catalogue (then npm run docs), or raise them',
    ).toEqual([]);
  });

  it('no reserved code is referenced in src/', () => {
    const referencedReserved = entries
      .filter(([code, spec]) => spec.reserved && referenced(code).length > 0)
      .map(([code]) => `${code} (${referenced(code).join(', ')})`);
    expect(
      referencedReserved,
      'these codes are raised now: drop `reserved: true` from their catalogue entry (then npm run docs)',
    ).toEqual([]);
  });
});
