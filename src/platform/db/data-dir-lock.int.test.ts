import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../lib/errors/index.js';
import { PgliteDb } from './pglite-db.js';

// PGlite itself has no lock: a second opener of the same folder corrupts it and dies with `Aborted()`.
// These run on PGlite whatever the backend of the suite, because the lock belongs to the embedded database.
describe('embedded data folder lock', () => {
  it('refuses a second opener of the same folder, naming the folder and the pid, frees it on close, and takes over a stale lock', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'bulwark-lock-')), 'pgdata');
    const first = await PgliteDb.open(dir);
    try {
      expect((await readFile(`${dir}.lock`, 'utf8')).trim()).toBe(String(process.pid));
      const second = await PgliteDb.open(dir).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isAppError(second, 'db.data_dir_in_use')).toBe(true);
      expect((second as Error).message).toContain(dir);
      expect((second as Error).message).toContain(`process ${process.pid}`);
      // The first opener is unharmed.
      await expect(first.ping()).resolves.toBeUndefined();
    } finally {
      await first.close();
    }
    expect(existsSync(`${dir}.lock`)).toBe(false);

    // A stale lock, left by a process that no longer runs (a crash), is taken over.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    expect(deadPid).toBeGreaterThan(0);
    await writeFile(`${dir}.lock`, `${deadPid}\n`);
    const again = await PgliteDb.open(dir);
    try {
      expect((await readFile(`${dir}.lock`, 'utf8')).trim()).toBe(String(process.pid));
    } finally {
      await again.close();
    }
  }, 180_000);
});
