import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIdentityFixture, type IdentityFixture } from '../../../test/support/identity-fixture.js';
import { backendName } from '../../../test/support/test-db.js';
import type { UserId } from '../../lib/ids.js';
import type { Db, PlatformSql } from '../../platform/db/index.js';
import type { Identity } from './index.js';
import { timeStepAt } from './totp/totp-code.js';
import { acceptTotpStep, selectTotp } from './totp/totp-repo.js';

// Attack: reuse a TOTP code seen once (shoulder-surfed, phished, logged), also by racing the legitimate use.
const meta = { clientIp: '192.0.2.10' };

/**
 * The database, except that a transaction which read a TOTP row waits (after it committed) until `parties` such reads
 * have happened: racing requests then all verify against the same stored step, whatever the scheduling.
 */
function afterTotpReads(db: Db, parties: number): Db {
  let reads = 0;
  let release: () => void = () => undefined;
  const allRead = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    kind: db.kind,
    soleWriter: db.soleWriter,
    onCommitted: (listener) => db.onCommitted(listener),
    withTenant: (orgId, fn) => db.withTenant(orgId, fn),
    async withPlatform(fn) {
      let readTotp = false;
      const result = await db.withPlatform((sql) => {
        const watched: PlatformSql = {
          scope: sql.scope,
          enterTenant: (orgId) => sql.enterTenant(orgId),
          inTenant: (orgId, inner) => sql.inTenant(orgId, inner),
          query(text, params) {
            if (/^SELECT secret_ciphertext/.test(text)) readTotp = true;
            return sql.query(text, params);
          },
        };
        return fn(watched);
      });
      if (readTotp) {
        reads += 1;
        if (reads >= parties) release();
        await allRead;
      }
      return result;
    },
    keyTenantContext: (signer) => db.keyTenantContext(signer),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}

describe(`TOTP replay (${backendName})`, () => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await openIdentityFixture();
  });
  afterAll(async () => f.close());

  async function enrolled(identity: Identity): Promise<{ userId: UserId; codeAt: (date: Date) => Promise<string> }> {
    const userId = await f.newUser();
    const { secret } = await identity.startTotpEnrollment(userId, 'replay@example.com');
    const codeAt = (date: Date) => generate({ secret, epoch: Math.floor(date.getTime() / 1000) });
    const confirmed = await identity.confirmTotpEnrollment(userId, await codeAt(f.clock.now()), meta);
    expect(confirmed.ok).toBe(true);
    f.clock.advance(30_000);
    return { userId, codeAt };
  }

  it('the code that confirmed the enrollment cannot sign in', async () => {
    const identity = f.open();
    const userId = await f.newUser();
    const { secret } = await identity.startTotpEnrollment(userId, 'confirm-replay@example.com');
    const code = await generate({ secret, epoch: Math.floor(f.clock.now().getTime() / 1000) });
    expect((await identity.confirmTotpEnrollment(userId, code, meta)).ok).toBe(true);
    expect(await identity.checkTotp(userId, code, meta)).toEqual({ ok: false, reason: 'identity.mfa_invalid' });
  });

  it('the same code twice: the second use is refused, and so is a code of an earlier step', async () => {
    const identity = f.open();
    const { userId, codeAt } = await enrolled(identity);
    const earlier = await codeAt(new Date(f.clock.now().getTime() - 30_000));
    const code = await codeAt(f.clock.now());
    expect(await identity.checkTotp(userId, code, meta)).toEqual({ ok: true });
    expect(await identity.checkTotp(userId, code, meta)).toEqual({ ok: false, reason: 'identity.mfa_invalid' });
    // Still inside its ±1 step window, but older than the accepted step.
    expect(await identity.checkTotp(userId, earlier, meta)).toEqual({ ok: false, reason: 'identity.mfa_invalid' });
    const failures = await f.events({ action: 'identity.mfa.totp_failed', userId });
    expect(failures.map((event) => event.details.failure)).toEqual(['replayed', 'replayed']);
    // The next step's code still works.
    f.clock.advance(30_000);
    expect(await identity.checkTotp(userId, await codeAt(f.clock.now()), meta)).toEqual({ ok: true });
  });

  it('the same code twice at once: exactly one use passes', async () => {
    const { userId, codeAt } = await enrolled(f.open());
    const identity = f.open({ db: afterTotpReads(f.t.db, 2) });
    const code = await codeAt(f.clock.now());
    const answers = await Promise.all([identity.checkTotp(userId, code, meta), identity.checkTotp(userId, code, meta)]);
    expect(answers.filter((check) => check.ok)).toHaveLength(1);
    expect(answers.filter((check) => !check.ok)).toEqual([{ ok: false, reason: 'identity.mfa_invalid' }]);
    expect(await f.events({ action: 'identity.mfa.totp_succeeded', userId })).toHaveLength(1);
    // Both requests verified the code against the same stored step; the conditional update refused the second.
    const [failure] = await f.events({ action: 'identity.mfa.totp_failed', userId });
    expect(failure?.details.failure).toBe('replayed_concurrently');
  });

  it('many concurrent uses of one code, several rounds: one passes per code', async () => {
    const identity = f.open({
      limits: { factor: { failures: 100, windowSeconds: 60, blockSeconds: 1, maxBlockSeconds: 1 } },
    });
    const { userId, codeAt } = await enrolled(identity);
    for (let round = 0; round < 3; round += 1) {
      const code = await codeAt(f.clock.now());
      const answers = await Promise.all(Array.from({ length: 6 }, () => identity.checkTotp(userId, code, meta)));
      expect(answers.filter((check) => check.ok)).toHaveLength(1);
      f.clock.advance(30_000);
    }
  });

  it('the conditional update itself lets one of two transactions that both verified the same step through', async () => {
    const identity = f.open();
    const { userId } = await enrolled(identity);
    const row = await f.t.db.withPlatform((sql) => selectTotp(sql, userId));
    if (!row) throw new Error('no totp row');
    const step = timeStepAt(f.clock.now());
    // Both transactions start from the same read (the row before either update), as two racing requests do.
    const accept = () =>
      f.t.db.withPlatform((sql) => acceptTotpStep(sql, userId, { secretCiphertext: row.secretCiphertext, step }));
    const outcomes = await Promise.all([accept(), accept()]);
    expect(outcomes.sort()).toEqual([false, true]);
    const [stored] = await f.t.superuser('SELECT last_used_step FROM user_totp WHERE user_id = $1', [userId]);
    expect(Number(stored?.last_used_step)).toBe(step);
  });
});
