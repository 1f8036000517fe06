import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/lib/clock.js';
import { newId, type OrgId, type UserId } from '../../src/lib/ids.js';
import { AuditLog, type AuditRecord } from '../../src/modules/audit/index.js';
import {
  argon2idHasher,
  loadAccountKeyOf,
  openIdentity,
  type AccountKeyOf,
  type Identity,
  type IdentityDeps,
  type PasswordHasher,
} from '../../src/modules/identity/index.js';
import { FieldCipher, openLocalKeyVault, type KeyVault } from '../../src/platform/vault/index.js';
import { endSignInsOf } from '../../src/modules/oidc/index.js';
import { createTestDb, type TestDb } from './test-db.js';

/** The argon2id hasher, counting what it verifies against (the real hasher does the work). */
export interface CountingHasher extends PasswordHasher {
  /** The encoded hashes verify was called with, in order. */
  readonly verified: string[];
}

/** Wraps the real hasher so a test can see every verification a check runs. */
export function countingHasher(): CountingHasher {
  const verified: string[] = [];
  return {
    verified,
    hash: (password) => argon2idHasher.hash(password),
    verify(encoded, password) {
      verified.push(encoded);
      return argon2idHasher.verify(encoded, password);
    },
  };
}

/** A migrated database with a platform org, the audit log, a field cipher and identity instances on them. */
export interface IdentityFixture {
  t: TestDb;
  audit: AuditLog;
  clock: ManualClock;
  platformOrgId: OrgId;
  cipher: FieldCipher;
  /** The deployment's keyed hash of e-mail addresses (as `email_hash` in audit details). */
  accountKeyOf: AccountKeyOf;
  /** An identity on a fresh in-memory counter store (its own throttling counters). */
  open(overrides?: Partial<IdentityDeps>): Identity;
  /** Creates a global user. */
  newUser(email?: string): Promise<UserId>;
  /** The platform org's identity audit records, oldest first. */
  events(filter?: { action?: string; userId?: string }): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

/** Opens the fixture; close it in afterAll. */
export async function openIdentityFixture(): Promise<IdentityFixture> {
  const t = await createTestDb();
  const dir = await fs.mkdtemp(path.join(tmpdir(), 'bulwark-identity-'));
  const vault: KeyVault = await openLocalKeyVault(path.join(dir, 'vault.key'));
  const clock = new ManualClock('2026-03-10T12:00:10Z');
  const audit = new AuditLog({ db: t.db, clock });
  const cipher = new FieldCipher({ vault, clock });
  const platformOrgId = newId('org');
  await t.db.withPlatform((sql) =>
    sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3)', [platformOrgId, 'Platform', 'platform']),
  );
  const accountKeyOf = await loadAccountKeyOf({ db: t.db, cipher, platformOrgId });
  return {
    t,
    audit,
    clock,
    platformOrgId,
    cipher,
    accountKeyOf,
    open: (overrides = {}) =>
      openIdentity({
        db: t.db,
        cipher,
        audit,
        clock,
        platformOrgId,
        counterStore: { kind: 'memory' },
        accountKeyOf,
        endSignIns: endSignInsOf({ audit, platformOrgId }),
        ...overrides,
      }),
    async newUser(email = `user-${newId('req').slice(-10)}@example.com`) {
      const id = newId('usr', 0);
      await t.db.withPlatform((sql) => sql.query('INSERT INTO users (id, email) VALUES ($1, $2)', [id, email]));
      return id;
    },
    async events(filter = {}) {
      const found: AuditRecord[] = [];
      for await (const record of audit.records(platformOrgId, { actionPrefix: 'identity.' })) {
        if (filter.action && record.action !== filter.action) continue;
        if (filter.userId && record.resource?.id !== filter.userId) continue;
        found.push(record);
      }
      return found;
    },
    async close() {
      await vault.close();
      await t.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
