/** Regenerates the reference docs from their sources of truth. Run: npm run docs */
import { writeFileSync } from 'node:fs';
import { renderConfigReference } from '../src/config/index.js';
import { renderErrorReference } from '../src/lib/errors/index.js';

writeFileSync(new URL('../docs/reference/config.md', import.meta.url), renderConfigReference());
writeFileSync(new URL('../docs/reference/errors.md', import.meta.url), renderErrorReference());
process.stdout.write('wrote docs/reference/config.md and docs/reference/errors.md\n');
