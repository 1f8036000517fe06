/**
 * CI check of `npm run build`: builds dist/, then runs the compiled CLI (no TypeScript loader) on a fresh data folder:
 * `node dist/bin.js migrate` and `node dist/bin.js doctor` must both succeed. Run: npx tsx scripts/check-build.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

run('npm', ['run', '--silent', 'build']);
for (const file of [
  'dist/bin.js',
  'dist/modules/guard/embedding/embed-worker.mjs',
  'dist/modules/guard/rules-worker.mjs',
  'dist/modules/guard/data/injection-model.json',
]) {
  if (!existsSync(join(root, file))) throw new Error(`npm run build did not produce ${file}`);
}
const dataDir = mkdtempSync(join(tmpdir(), 'bulwark-build-check-'));
try {
  const env: NodeJS.ProcessEnv = { ...process.env, BULWARK_DATA_DIR: dataDir, BULWARK_ENV: 'development' };
  delete env.DATABASE_URL;
  run('node', ['dist/bin.js', 'migrate'], env);
  process.stdout.write(run('node', ['dist/bin.js', 'doctor'], env));
  process.stdout.write('build check passed: node dist/bin.js runs migrate and doctor\n');
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
