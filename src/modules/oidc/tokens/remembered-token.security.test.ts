import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../lib/clock.js';
import { newId } from '../../../lib/ids.js';
import type { KeySet } from '../signing-keys/keyring.js';
import { rememberingVerifier, TOKEN_LEEWAY_SECONDS, type TokenVerifierDeps } from './verify-access-token.js';

const ISSUER = 'https://login.bulwark.test';
const AUDIENCE = 'https://api.bulwark.test';

// Attack: a token the node verified once is presented again after it expired, after its signing key left the
// published set, or with one byte changed, hoping the node answers from what it remembers.
describe('a remembered access token is answered only while it would still verify', () => {
  const clock = new ManualClock('2026-05-01T10:00:00Z');
  let published: JWK[] = [];
  let sign: (claims: Record<string, unknown>) => Promise<string>;
  const keySet = (): KeySet => ({ signingKid: 'k1', privateJwks: [], publicJwks: published, fingerprint: 'test' });
  const deps: TokenVerifierDeps = {
    keyring: { current: async () => keySet(), refreshSoon: async () => keySet() },
    issuer: ISSUER,
    audience: AUDIENCE,
    clock,
  };
  const now = () => Math.floor(clock.now().getTime() / 1000);
  const claims = () => ({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: newId('svc'),
    client_id: 'cli_service',
    org_id: newId('org'),
    roles: ['developer'],
    jti: newId('req'),
    iat: now(),
    exp: now() + 300,
  });
  const outcome = (verify: (token: string) => Promise<unknown>, token: string) =>
    verify(token).then(
      () => 'accepted',
      (error: unknown) => (error as { reason?: string }).reason ?? 'threw',
    );

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    published = [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }];
    sign = (c) => new SignJWT(c).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' }).sign(privateKey);
  });

  it('refuses a remembered token once it expired, as the full verification does', async () => {
    const verify = rememberingVerifier(deps, 100);
    const token = await sign(claims());
    expect(await outcome(verify, token)).toBe('accepted');
    clock.advance((300 + TOKEN_LEEWAY_SECONDS) * 1000);
    expect(await outcome(verify, token)).toBe('authn.token_expired');
  });

  it('refuses a remembered token once its signing key is no longer published', async () => {
    const verify = rememberingVerifier(deps, 100);
    const token = await sign(claims());
    expect(await outcome(verify, token)).toBe('accepted');
    const kept = published;
    published = [];
    try {
      expect(await outcome(verify, token)).toBe('authn.token_invalid');
    } finally {
      published = kept;
    }
  });

  it('never answers a different string from memory: one changed signature byte is verified, and refused', async () => {
    const verify = rememberingVerifier(deps, 100);
    const token = await sign(claims());
    expect(await outcome(verify, token)).toBe('accepted');
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${token.slice(0, -2)}${last}${token.at(-1) ?? ''}`;
    expect(await outcome(verify, tampered)).toBe('authn.token_invalid');
    expect(await outcome(verify, token)).toBe('accepted');
  });
});
