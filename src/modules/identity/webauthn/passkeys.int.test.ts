import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { META, openPasskeyFixture, RP, type PasskeyFixture } from '../../../../test/support/passkey-fixture.js';
import {
  SOFTWARE_AUTHENTICATOR_AAGUID,
  SoftwareAuthenticator,
} from '../../../../test/support/software-authenticator.js';
import { backendName } from '../../../../test/support/test-db.js';
import { isAppError } from '../../../lib/errors/index.js';
import { userHandleOf } from './passkey.js';

describe(`passkeys (${backendName})`, () => {
  let f: PasskeyFixture;
  beforeAll(async () => {
    f = await openPasskeyFixture();
  });
  afterAll(async () => f.close());

  it('offers registration options that require user verification, exclude the user’s passkeys and carry no e-mail', async () => {
    const userId = await f.newUser();
    const first = await f.passkeys.passkeyRegistrationOptions(userId, 'ada@example.test', RP);
    expect(first.challenge).toBe(first.options.challenge);
    expect(first.options.rp).toEqual({ id: RP.id, name: RP.name });
    expect(first.options.authenticatorSelection).toMatchObject({
      residentKey: 'preferred',
      userVerification: 'required',
    });
    expect(first.options.attestation).toBe('none');
    expect(first.options.pubKeyCredParams.map((p) => p.alg).sort((a, b) => a - b)).toEqual([-257, -8, -7]);
    expect(first.options.excludeCredentials).toEqual([]);
    expect(first.options.user.id).toBe(isoBase64URL.fromBuffer(userHandleOf(userId)));
    expect(Buffer.from(isoBase64URL.toBuffer(first.options.user.id)).toString('latin1')).not.toContain('ada@');

    const authenticator = new SoftwareAuthenticator();
    await f.register(userId, authenticator);
    const second = await f.passkeys.passkeyRegistrationOptions(userId, 'ada@example.test', RP);
    expect(second.challenge).not.toBe(first.challenge);
    expect(second.options.excludeCredentials).toEqual([
      { id: authenticator.credentialIdBase64url, type: 'public-key', transports: ['hybrid', 'internal'] },
    ]);
    // A real authenticator refuses to register a credential the server excluded.
    expect(() => authenticator.createCredential(second.options, { origin: RP.origin })).toThrow(/InvalidStateError/);
  });

  it('registers a passkey and signs in with it, as a second factor and as a discoverable credential', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator();
    const passkeyId = await f.register(userId, authenticator);
    expect(passkeyId).toMatch(/^pky_[0-9a-z]{26}$/);

    const stored = await f.t.superuser('SELECT * FROM user_passkeys WHERE id = $1', [passkeyId]);
    expect(stored[0]).toMatchObject({
      user_id: userId,
      credential_id: authenticator.credentialIdBase64url,
      counter: expect.anything(),
      transports: ['hybrid', 'internal'],
      name: 'Test key',
      last_used_at: null,
    });
    expect(Number(stored[0]?.counter)).toBe(0);

    const options = await f.passkeys.passkeyAuthenticationOptions(userId, RP);
    expect(options.options.userVerification).toBe('required');
    expect(options.options.allowCredentials?.map((c) => c.id)).toEqual([authenticator.credentialIdBase64url]);
    expect((await f.passkeys.passkeyAuthenticationOptions(undefined, RP)).options.allowCredentials).toEqual([]);

    const asSecondFactor = await f.signIn(authenticator, { userId });
    expect(asSecondFactor.result).toEqual({ ok: true, userId, passkeyId });
    expect(await f.storedCounter(passkeyId)).toBe(1);
    f.clock.advance(60_000);
    const discoverable = await f.signIn(authenticator);
    expect(discoverable.result).toEqual({ ok: true, userId, passkeyId });
    expect(await f.storedCounter(passkeyId)).toBe(2);

    const [listed] = await f.passkeys.listPasskeys(userId);
    expect(listed).toEqual({
      id: passkeyId,
      name: 'Test key',
      transports: ['hybrid', 'internal'],
      createdAt: new Date('2026-06-01T09:00:00Z'),
      lastUsedAt: f.clock.now(),
      suspendedAt: null,
    });
    expect(Object.keys(listed ?? {})).not.toContain('publicKey');

    const registered = (await f.events('identity.passkey.registered')).find((e) => e.resource?.id === userId);
    expect(registered).toMatchObject({
      actor: { type: 'user', id: userId },
      decision: 'allow',
      client_ip: META.clientIp,
      user_agent: META.userAgent,
      request_id: META.requestId,
      details: { passkey_id: passkeyId, aaguid: SOFTWARE_AUTHENTICATOR_AAGUID, transports: ['hybrid', 'internal'] },
    });
    const succeeded = (await f.events('identity.passkey.succeeded')).filter((e) => e.resource?.id === userId);
    expect(succeeded.map((e) => e.details.presented_counter)).toEqual([1, 2]);
    // SECURITY: no key material in the audit chain.
    const publicKey = String(stored[0]?.public_key);
    expect(JSON.stringify(await f.events())).not.toContain(publicKey.slice(0, 40));
    expect((await f.audit.verify(f.platformOrgId)).ok).toBe(true);
  });

  it('signs in again and again with an authenticator that keeps no counter (both counters zero)', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator({ countsSignatures: false });
    const passkeyId = await f.register(userId, authenticator);
    for (let i = 0; i < 3; i += 1)
      expect((await f.signIn(authenticator, { userId })).result).toEqual({ ok: true, userId, passkeyId });
    expect(await f.storedCounter(passkeyId)).toBe(0);
  });

  it('removes a passkey of the user only, audited; the removed credential no longer signs in', async () => {
    const owner = await f.newUser();
    const other = await f.newUser();
    const authenticator = new SoftwareAuthenticator();
    const passkeyId = await f.register(owner, authenticator);
    const actor = { type: 'user' as const, id: other };

    await expect(f.passkeys.removePasskey(other, passkeyId, actor, META)).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'http.not_found'),
    );
    await expect(f.passkeys.removePasskey(owner, 'pky_not-an-id', actor)).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'http.not_found'),
    );
    expect(await f.passkeys.listPasskeys(owner)).toHaveLength(1);

    await f.passkeys.removePasskey(owner, passkeyId, { type: 'user', id: owner }, META);
    expect(await f.passkeys.listPasskeys(owner)).toEqual([]);
    const removed = (await f.events('identity.passkey.removed')).filter((e) => e.resource?.id === owner);
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({ decision: 'allow', details: { passkey_id: passkeyId } });

    expect((await f.signIn(authenticator)).result).toEqual({ ok: false, reason: 'identity.passkey_invalid' });
    const failed = (await f.events('identity.passkey.failed')).at(-1);
    expect(failed).toMatchObject({
      decision: 'deny',
      reason_codes: ['identity.passkey_invalid'],
      actor: { type: 'anonymous', id: null },
      resource: { type: 'User', id: null },
      details: { problem: 'unknown credential' },
    });
  });

  it('refuses a malformed or tampered response as invalid, audited, without throwing', async () => {
    const userId = await f.newUser();
    const authenticator = new SoftwareAuthenticator();
    await f.register(userId, authenticator);
    const ceremony = await f.passkeys.passkeyAuthenticationOptions(userId, RP);
    const input = { expectedChallenge: ceremony.challenge, rp: RP, userId, meta: META };

    expect(await f.passkeys.verifyPasskeyAuthentication({ id: 'x' }, input)).toEqual({
      ok: false,
      reason: 'identity.passkey_invalid',
    });
    const response = authenticator.getAssertion(ceremony.options, { origin: RP.origin });
    const signature = isoBase64URL.toBuffer(response.response.signature);
    signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 0x01;
    const tampered = { ...response, response: { ...response.response, signature: isoBase64URL.fromBuffer(signature) } };
    expect(await f.passkeys.verifyPasskeyAuthentication(tampered, input)).toEqual({
      ok: false,
      reason: 'identity.passkey_invalid',
    });
    const problems = (await f.events('identity.passkey.failed'))
      .filter((e) => e.resource?.id === userId)
      .map((e) => e.details.problem);
    expect(problems).toEqual(['malformed response', expect.stringMatching(/signature/i)]);
  });
});
