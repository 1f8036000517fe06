import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../test/support/test-db.js';
import { isAppError } from '../../lib/errors/index.js';
import { newId, type OrgId } from '../../lib/ids.js';
import type { TenantSql } from '../db/index.js';
import { FieldCipher, type FieldRef } from './field-cipher.js';
import type { KeyVault } from './key-vault.js';
import { openLocalKeyVault } from './local-key-vault.js';
import { rotateDataKey } from './rotate-data-key.js';
import { rotateKek } from './rotate-kek.js';

const decryptFailed = (e: unknown) => isAppError(e, 'vault.decrypt_failed');
const ref = (rowId: string, column = 'value_ciphertext'): FieldRef => ({ table: 'org_secrets', column, rowId });

describe(`field cipher (${backendName})`, () => {
  let t: TestDb;
  let dir: string;
  let vault: KeyVault;
  let cipher: FieldCipher;
  const orgA = newId('org');
  const orgB = newId('org');
  const orgC = newId('org');

  async function createOrg(id: OrgId): Promise<void> {
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [id, id, id.replace('_', '-')]),
    );
  }

  /** Inserts an org secret whose value is encrypted for its own row; returns the row id. */
  async function storeSecret(orgId: OrgId, name: string, value: string, by: FieldCipher = cipher): Promise<string> {
    const id = `sec_${name}`;
    await t.db.withTenant(orgId, async (sql) => {
      const ciphertext = await by.encrypt(sql, ref(id), value);
      await sql.query('INSERT INTO org_secrets (org_id, id, name, value_ciphertext) VALUES ($1, $2, $3, $4)', [
        orgId,
        id,
        name,
        ciphertext,
      ]);
    });
    return id;
  }

  async function ciphertextOf(orgId: OrgId, id: string): Promise<string> {
    const rows = await t.superuser('SELECT value_ciphertext FROM org_secrets WHERE org_id = $1 AND id = $2', [
      orgId,
      id,
    ]);
    return rows[0]?.value_ciphertext as string;
  }

  function readSecret(orgId: OrgId, id: string, by: FieldCipher = cipher): Promise<string> {
    return t.db.withTenant(orgId, async (sql: TenantSql) => {
      const { rows } = await sql.query<{ value_ciphertext: string }>(
        'SELECT value_ciphertext FROM org_secrets WHERE id = $1',
        [id],
      );
      const row = rows[0];
      if (!row) throw new Error(`no secret ${id}`);
      return by.decryptString(sql, ref(id), row.value_ciphertext);
    });
  }

  beforeAll(async () => {
    t = await createTestDb();
    dir = await fs.mkdtemp(join(tmpdir(), 'bulwark-field-'));
    vault = await openLocalKeyVault(join(dir, 'vault.key'));
    cipher = new FieldCipher({ vault });
    await createOrg(orgA);
    await createOrg(orgB);
  });

  afterAll(async () => {
    await vault.close();
    await t.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('round-trips a value and creates the org data key on first use, wrapped, under RLS', async () => {
    const id = await storeSecret(orgA, 'openai', 'sk-live-123');
    const stored = await ciphertextOf(orgA, id);
    expect(stored).toMatch(/^bwf1\.1\.[\w-]{16}\.[\w-]+$/);
    expect(stored).not.toContain('sk-live');
    expect(await readSecret(orgA, id)).toBe('sk-live-123');
    const keys = await t.superuser(
      'SELECT version, kek_version, status, wrapped_key FROM org_data_keys WHERE org_id = $1',
      [orgA],
    );
    expect(keys).toEqual([
      { version: 1, kek_version: 1, status: 'active', wrapped_key: expect.stringMatching(/^a256gcm\./) },
    ]);
    // A fresh cipher (empty cache) decrypts too: the key comes from the database and the vault, not from memory.
    expect(await readSecret(orgA, id, new FieldCipher({ vault }))).toBe('sk-live-123');
  });

  it('a ciphertext copied to another row fails to decrypt', async () => {
    const x = await storeSecret(orgA, 'row-x', 'secret of x');
    const y = await storeSecret(orgA, 'row-y', 'secret of y');
    await t.superuser('UPDATE org_secrets SET value_ciphertext = $3 WHERE org_id = $1 AND id = $2', [
      orgA,
      y,
      await ciphertextOf(orgA, x),
    ]);
    await expect(readSecret(orgA, y)).rejects.toSatisfy(decryptFailed);
    expect(await readSecret(orgA, x)).toBe('secret of x');
  });

  it('a ciphertext presented for another column or table fails to decrypt', async () => {
    const id = await storeSecret(orgA, 'column', 'v');
    const ciphertext = await ciphertextOf(orgA, id);
    await t.db.withTenant(orgA, async (sql) => {
      await expect(cipher.decrypt(sql, ref(id, 'name'), ciphertext)).rejects.toSatisfy(decryptFailed);
      await expect(
        cipher.decrypt(sql, { table: 'sso_connections', column: 'value_ciphertext', rowId: id }, ciphertext),
      ).rejects.toSatisfy(decryptFailed);
    });
  });

  it('a ciphertext copied to another org fails to decrypt', async () => {
    const id = await storeSecret(orgA, 'cross-org', 'org A only');
    await storeSecret(orgB, 'cross-org', 'org B value');
    await t.superuser('UPDATE org_secrets SET value_ciphertext = $3 WHERE org_id = $1 AND id = $2', [
      orgB,
      id,
      await ciphertextOf(orgA, id),
    ]);
    await expect(readSecret(orgB, id)).rejects.toSatisfy(decryptFailed);
  });

  it('a wrapped data key copied to another org fails to unwrap', async () => {
    await createOrg(orgC);
    const [keyA] = await t.superuser(
      'SELECT wrapped_key, kek_version FROM org_data_keys WHERE org_id = $1 AND version = 1',
      [orgA],
    );
    await t.superuser('INSERT INTO org_data_keys (org_id, version, wrapped_key, kek_version) VALUES ($1, 1, $2, $3)', [
      orgC,
      keyA?.wrapped_key,
      keyA?.kek_version,
    ]);
    await expect(t.db.withTenant(orgC, (sql) => cipher.encrypt(sql, ref('sec_x'), 'x'))).rejects.toSatisfy(
      decryptFailed,
    );
  });

  it('a tampered or malformed ciphertext fails to decrypt', async () => {
    const id = await storeSecret(orgA, 'tamper', 'do not touch');
    const ciphertext = await ciphertextOf(orgA, id);
    const at = ciphertext.length - 10;
    const flipped = `${ciphertext.slice(0, at)}${ciphertext[at] === 'A' ? 'B' : 'A'}${ciphertext.slice(at + 1)}`;
    const relabelled = ciphertext.replace(/^bwf1\.1\./, 'bwf1.2.');
    await t.db.withTenant(orgA, async (sql) => {
      for (const bad of [flipped, relabelled, ciphertext.slice(0, -4), 'bwf1.1.x.y', '', 'plain text']) {
        await expect(cipher.decrypt(sql, ref(id), bad)).rejects.toSatisfy(decryptFailed);
      }
    });
  });

  it('KEK rotation re-wraps data keys only: ciphertexts stay byte-identical and decryptable', async () => {
    const id = await storeSecret(orgB, 'rotate-me', 'survives rotation');
    const before = await t.superuser('SELECT org_id, id, value_ciphertext FROM org_secrets ORDER BY org_id, id');
    const result = await rotateKek(t.db, vault, { listOrgIds: async () => [orgA, orgB, orgC] });
    // The org holding a forged key (copied from org A above) is reported and left alone; the others are done.
    expect(result).toEqual({ orgs: 3, keysRewrapped: 2, kekVersion: 2, failedOrgs: [orgC] });
    expect(await t.superuser('SELECT org_id, id, value_ciphertext FROM org_secrets ORDER BY org_id, id')).toEqual(
      before,
    );
    const keys = await t.superuser('SELECT kek_version, rewrapped_at FROM org_data_keys WHERE org_id = ANY($1)', [
      [orgA, orgB],
    ]);
    expect(keys).toHaveLength(2);
    expect(keys.every((k) => k.kek_version === 2 && k.rewrapped_at !== null)).toBe(true);
    expect(await readSecret(orgB, id, new FieldCipher({ vault }))).toBe('survives rotation');
    expect(await readSecret(orgA, 'sec_openai', new FieldCipher({ vault }))).toBe('sk-live-123');
    // Re-running without a new KEK has nothing left to do.
    expect(await rotateKek(t.db, vault, { createVersion: false, listOrgIds: async () => [orgA, orgB] })).toEqual({
      orgs: 2,
      keysRewrapped: 0,
      kekVersion: 2,
      failedOrgs: [],
    });
  });

  it('concurrent first encryptions for one org create exactly one data key', async () => {
    // Several orgs, so one run has several chances to interleave (the race lost it 2 runs in 4 with one org).
    for (let round = 0; round < 3; round += 1) {
      const org = newId('org');
      await createOrg(org);
      const ciphertexts = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          t.db.withTenant(org, (sql) => new FieldCipher({ vault }).encrypt(sql, ref(`sec_${i}`), `value ${i}`)),
        ),
      );
      const keys = await t.superuser('SELECT version, status FROM org_data_keys WHERE org_id = $1', [org]);
      expect(keys).toEqual([{ version: 1, status: 'active' }]);
      await t.db.withTenant(org, async (sql) => {
        for (const [i, c] of ciphertexts.entries())
          expect(await cipher.decryptString(sql, ref(`sec_${i}`), c)).toBe(`value ${i}`);
      });
    }
  });

  it('data key rotation makes a new active version; old ciphertexts still decrypt', async () => {
    const id = await storeSecret(orgA, 'before-dek-rotation', 'old key');
    expect(await t.db.withTenant(orgA, (sql) => rotateDataKey(sql, vault))).toBe(2);
    const newer = await storeSecret(orgA, 'after-dek-rotation', 'new key');
    expect(await ciphertextOf(orgA, newer)).toMatch(/^bwf1\.2\./);
    expect(await readSecret(orgA, id)).toBe('old key');
    expect(await readSecret(orgA, newer)).toBe('new key');
    const keys = await t.superuser('SELECT version, status FROM org_data_keys WHERE org_id = $1 ORDER BY version', [
      orgA,
    ]);
    expect(keys).toEqual([
      { version: 1, status: 'retired' },
      { version: 2, status: 'active' },
    ]);
  });
});
