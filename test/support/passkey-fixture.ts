import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { createTestDb, type TestDb } from './test-db.js';
import type { CeremonyAnswer, SoftwareAuthenticator } from './software-authenticator.js';
import { ManualClock } from '../../src/lib/clock.js';
import { newId, type OrgId, type UserId } from '../../src/lib/ids.js';
import { AuditLog, type AuditRecord } from '../../src/modules/audit/index.js';
import { endSignInsOf } from '../../src/modules/oidc/index.js';
import type { RelyingParty } from '../../src/modules/identity/identity.js';
import {
  openPasskeys,
  type PasskeyAuthentication,
  type PasskeyId,
  type Passkeys,
} from '../../src/modules/identity/webauthn/index.js';

/** The relying party of the passkey tests. */
export const RP: RelyingParty = { id: 'login.bulwark.test', name: 'Bulwark', origin: 'https://login.bulwark.test' };
/** Where a test sign-in comes from. */
export const META = { clientIp: '203.0.113.7', userAgent: 'software-authenticator', requestId: 'req_passkey_test' };

/** A migrated test database with a platform org, the passkey use cases and helpers to drive whole ceremonies. */
export interface PasskeyFixture {
  t: TestDb;
  clock: ManualClock;
  audit: AuditLog;
  platformOrgId: OrgId;
  passkeys: Passkeys;
  /** A new global user. */
  newUser(): Promise<UserId>;
  /** Registers `authenticator`'s credential to `userId` through options, the authenticator and verification. */
  register(userId: UserId, authenticator: SoftwareAuthenticator, answer?: Partial<CeremonyAnswer>): Promise<PasskeyId>;
  /** Signs in with `authenticator` (as a second factor of `userId` when given), through options and verification. */
  signIn(
    authenticator: SoftwareAuthenticator,
    options?: { userId?: UserId; answer?: Partial<CeremonyAnswer> },
  ): Promise<{ result: PasskeyAuthentication; response: AuthenticationResponseJSON; challenge: string }>;
  /** The platform chain's passkey events, oldest first. */
  events(action?: string): Promise<AuditRecord[]>;
  /** The stored counter of a passkey. */
  storedCounter(passkeyId: PasskeyId): Promise<number>;
  close(): Promise<void>;
}

/** Opens a {@link PasskeyFixture} on the backend under test. */
export async function openPasskeyFixture(): Promise<PasskeyFixture> {
  const t = await createTestDb();
  const clock = new ManualClock('2026-06-01T09:00:00Z');
  const audit = new AuditLog({ db: t.db, clock });
  const platformOrgId = newId('org');
  await t.db.withPlatform((sql) =>
    sql.query('INSERT INTO orgs (id, name, slug, is_platform) VALUES ($1, $2, $3, true)', [
      platformOrgId,
      'Platform',
      'platform',
    ]),
  );
  const passkeys = openPasskeys({
    db: t.db,
    audit,
    clock,
    platformOrgId,
    endSignIns: endSignInsOf({ audit, platformOrgId }),
  });
  let users = 0;
  return {
    t,
    clock,
    audit,
    platformOrgId,
    passkeys,
    async newUser() {
      const id = newId('usr');
      users += 1;
      await t.db.withPlatform((sql) =>
        sql.query("INSERT INTO users (id, email, display_name) VALUES ($1, $2, '')", [id, `user${users}@example.test`]),
      );
      return id;
    },
    async register(userId, authenticator, answer = {}) {
      const ceremony = await passkeys.passkeyRegistrationOptions(userId, `user-${userId}@example.test`, RP);
      const response = authenticator.createCredential(ceremony.options, { origin: RP.origin, ...answer });
      return passkeys.verifyPasskeyRegistration(userId, response, {
        expectedChallenge: ceremony.challenge,
        rp: RP,
        name: 'Test key',
        meta: META,
      });
    },
    async signIn(authenticator, options = {}) {
      const ceremony = await passkeys.passkeyAuthenticationOptions(options.userId, RP);
      const response = authenticator.getAssertion(ceremony.options, { origin: RP.origin, ...options.answer });
      const result = await passkeys.verifyPasskeyAuthentication(response, {
        expectedChallenge: ceremony.challenge,
        rp: RP,
        ...(options.userId ? { userId: options.userId } : {}),
        meta: META,
      });
      return { result, response, challenge: ceremony.challenge };
    },
    async events(action) {
      const found: AuditRecord[] = [];
      for await (const record of audit.records(platformOrgId, { actionPrefix: 'identity.passkey.' }))
        if (!action || record.action === action) found.push(record);
      return found;
    },
    async storedCounter(passkeyId) {
      const rows = await t.superuser('SELECT counter FROM user_passkeys WHERE id = $1', [passkeyId]);
      return Number(rows[0]?.counter);
    },
    close: () => t.close(),
  };
}
