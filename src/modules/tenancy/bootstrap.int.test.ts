import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../test/support/test-db.js';
import { ManualClock } from '../../lib/clock.js';
import { isAppError } from '../../lib/errors/index.js';
import { AuditLog } from '../audit/index.js';
import {
  beginOwnerSetup,
  bootstrapPlatform,
  redeemBootstrapSecret,
  reissueBootstrapSecret,
  type BootstrapDeps,
} from './bootstrap.js';

// Begins the setup (a passkey challenge recorded) unless told not to, then redeems; the passkey proof is the route's.
const redeem = (deps: BootstrapDeps, secret: string, options: { begin?: boolean } = {}) =>
  deps.db.withPlatform(async (platform) => {
    if (options.begin !== false)
      await beginOwnerSetup(deps, platform, secret, async () => 'challenge').catch(() => undefined);
    return redeemBootstrapSecret(
      deps,
      platform,
      secret,
      async () => undefined,
      async (_tenant, owner) => owner,
    );
  });

describe(`platform bootstrap (${backendName})`, () => {
  let t: TestDb;
  let deps: BootstrapDeps;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    t = await createTestDb();
    deps = { db: t.db, clock, audit: new AuditLog({ db: t.db, clock }) };
  });
  afterAll(async () => t.close());

  it('bootstraps once, stores only a hash, and lets a lost secret be reissued until one is redeemed', async () => {
    const first = await bootstrapPlatform(deps, { ownerEmail: 'owner@localhost', ttlMinutes: 60 });
    expect(first?.secret).toMatch(/^bwb_/);
    expect(await bootstrapPlatform(deps, { ownerEmail: 'owner@localhost', ttlMinutes: 60 })).toBeUndefined();
    const stored = await t.superuser('SELECT secret_hash FROM bootstrap_secrets');
    expect(JSON.stringify(stored)).not.toContain(first?.secret ?? '---');

    clock.advance(61 * 60_000);
    await expect(redeem(deps, first?.secret ?? '')).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'tenancy.bootstrap_invalid'),
    );
    const second = await reissueBootstrapSecret(deps, { ttlMinutes: 60 });
    const third = await reissueBootstrapSecret(deps, { ttlMinutes: 60 });
    await expect(redeem(deps, second.secret)).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'tenancy.bootstrap_invalid'),
    );

    // A redemption must answer a passkey ceremony begun for the secret: without one it is refused, unconsumed.
    await expect(redeem(deps, third.secret, { begin: false })).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'tenancy.bootstrap_invalid'),
    );
    const attempts = await Promise.allSettled(Array.from({ length: 5 }, () => redeem(deps, third.secret)));
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    await expect(reissueBootstrapSecret(deps, { ttlMinutes: 60 })).rejects.toThrow(/already redeemed/);
  });
});
