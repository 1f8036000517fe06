import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIdentityFixture, type IdentityFixture } from '../../../test/support/identity-fixture.js';
import { backendName } from '../../../test/support/test-db.js';
import { loadAccountKeyOf } from './account-key.js';

// Attack: a reader of the audit log (or of the throttling counters) hashes a list of likely addresses and matches
// the `email_hash` of failed sign-ins, learning who was targeted, or which addresses an attacker tried.
const meta = { clientIp: '198.51.100.20' };
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe(`e-mail hashes in the audit log resist guessing (${backendName})`, () => {
  let f: IdentityFixture;
  beforeAll(async () => {
    f = await openIdentityFixture();
  });
  afterAll(async () => f.close());

  it('a failed sign-in records a keyed hash: hashing guessed addresses does not find it', async () => {
    const guessed = 'ceo@victim.example';
    await f.open().checkPassword(guessed, 'not the password 1', meta);
    const [event] = await f.events({ action: 'identity.login.password_failed' });
    const recorded = (event?.details as { email_hash?: string }).email_hash;
    expect(recorded).toMatch(/^[0-9a-f]{64}$/);
    for (const spelling of [guessed, guessed.toUpperCase(), ` ${guessed}`]) expect(recorded).not.toBe(sha256(spelling));
    // Every spelling of one address still shares one key, so its counter cannot be dodged by changing case.
    expect(f.accountKeyOf('CEO@Victim.Example')).toBe(recorded);
  });

  it('every node of the deployment derives the same key from the one stored secret', async () => {
    const secondNode = await loadAccountKeyOf({ db: f.t.db, cipher: f.cipher, platformOrgId: f.platformOrgId });
    expect(secondNode('someone@example.com')).toBe(f.accountKeyOf('someone@example.com'));
    expect(secondNode('someone@example.com')).not.toBe(secondNode('someone.else@example.com'));
    const rows = await f.t.superuser("SELECT count(*)::int AS n FROM org_secrets WHERE id = 'identity-account-key'");
    expect(rows).toEqual([{ n: 1 }]);
  });
});
