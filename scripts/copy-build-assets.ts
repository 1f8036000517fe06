/** Second step of `npm run build`: copies the files tsc does not emit (worker script, model and lexicon data) from src/ to dist/. */
import { cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/** Every file under `dir` that is not TypeScript (tsc compiles those). */
function assets(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return assets(path);
    return entry.name.endsWith('.ts') ? [] : [path];
  });
}

const copied = assets(src).map((file) => {
  cpSync(file, join(dist, relative(src, file)));
  return relative(src, file);
});
process.stdout.write(`copied ${copied.length} assets to dist/: ${copied.join(', ')}\n`);
