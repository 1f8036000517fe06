import { describe, expect, it } from 'vitest';
import { isAppError } from '../../lib/errors/index.js';
import { pendingMigrations, readMigrations, type Migration } from './migrate.js';

const files: Migration[] = [
  { version: 1, name: 'one', sql: 'SELECT 1', checksum: 'aaa' },
  { version: 2, name: 'two', sql: 'SELECT 2', checksum: 'bbb' },
];

describe('migrations', () => {
  it('returns the migrations not yet applied, in order', () => {
    expect(pendingMigrations([{ version: 1, name: 'one', checksum: 'aaa' }], files).map((m) => m.version)).toEqual([2]);
    expect(pendingMigrations([], files).map((m) => m.version)).toEqual([1, 2]);
  });

  it('refuses to start when an applied migration was changed', () => {
    try {
      pendingMigrations([{ version: 1, name: 'one', checksum: 'changed' }], files);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, 'db.migration_checksum_mismatch')).toBe(true);
    }
  });

  it('refuses a database migrated by a newer build', () => {
    expect(() => pendingMigrations([{ version: 3, name: 'three', checksum: 'ccc' }], files)).toThrow(/does not know/);
  });

  it('ships gap-free, checksummed migration files', async () => {
    const migrations = await readMigrations();
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    for (const m of migrations) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
  });
});
