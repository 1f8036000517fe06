import { verifyAuthenticationResponse, type VerifiedAuthenticationResponse } from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { UserId } from '../../../lib/ids.js';
import type { RelyingParty, SignInMeta } from '../identity.js';
import { userHandleOf, type PasskeyDeps, type PasskeyId } from './passkey.js';
import { appendPasskeyEvent, signInActor, verificationProblem } from './passkey-audit.js';
import { advancePasskeyCounter, selectPasskeyByCredentialId, suspendPasskey } from './passkey-repo.js';
import { parseAuthenticationResponse } from './passkey-schema.js';

/** What a sign-in answer is checked against. */
export interface PasskeyAuthenticationInput {
  /** The challenge of the ceremony's options, kept by the caller and used once. */
  expectedChallenge: string;
  rp: RelyingParty;
  /** The user who must own the passkey (a second factor after a password); omitted for a discoverable sign-in. */
  userId?: UserId;
  meta?: SignInMeta;
}

/** The outcome of a passkey sign-in; a refusal says as little as the error catalogue's code. */
export type PasskeyAuthentication =
  | { ok: true; userId: UserId; passkeyId: PasskeyId }
  | {
      ok: false;
      reason: 'identity.passkey_invalid' | 'identity.passkey_counter_regressed' | 'identity.passkey_suspended';
    };

type Refusal = Extract<PasskeyAuthentication, { ok: false }>;

/**
 * A signature counter that does not increase, when either side is non-zero, means two authenticators hold the key
 * (a clone) or an assertion is presented again. Both zero: the authenticator keeps no counter.
 */
export function counterRegressed(stored: number, presented: number): boolean {
  return (stored > 0 || presented > 0) && presented <= stored;
}

/**
 * Verifies a browser's answer to authentication options: the credential must be registered (to `userId` when given),
 * the assertion signed by its key for this origin and RP ID with user verification, and its counter must advance.
 * Every outcome is audited in the transaction that moves the counter.
 */
export async function verifyPasskeyAuthentication(
  deps: PasskeyDeps,
  response: unknown,
  input: PasskeyAuthenticationInput,
): Promise<PasskeyAuthentication> {
  const parsed = parseAuthenticationResponse(response);
  return deps.db.withPlatform(async (platform) => {
    const refuse = async (
      reason: Refusal['reason'],
      userId: UserId | null,
      details: Record<string, unknown>,
    ): Promise<Refusal> => {
      await appendPasskeyEvent(deps, platform, {
        action: 'identity.passkey.failed',
        decision: 'deny',
        actor: signInActor(input.userId),
        userId,
        reasonCodes: [reason],
        meta: input.meta,
        details: { ceremony: 'authentication', ...details },
      });
      return { ok: false, reason };
    };
    const expectedUser = input.userId ?? null;
    if (!parsed) return refuse('identity.passkey_invalid', expectedUser, { problem: 'malformed response' });

    const passkey = await selectPasskeyByCredentialId(platform, parsed.id);
    if (!passkey) return refuse('identity.passkey_invalid', expectedUser, { problem: 'unknown credential' });
    const about = { passkey_id: passkey.id, transports: passkey.transports };
    // SECURITY: a second factor must be one of the signed-in user's own passkeys, not any valid passkey.
    if (input.userId && passkey.userId !== input.userId)
      return refuse('identity.passkey_invalid', input.userId, {
        ...about,
        problem: 'credential of another user',
      });
    // A discoverable credential names its account; it must name the one the credential was registered to.
    const userHandle = parsed.response.userHandle;
    if (userHandle && userHandle !== isoBase64URL.fromBuffer(userHandleOf(passkey.userId)))
      return refuse('identity.passkey_invalid', passkey.userId, { ...about, problem: 'user handle mismatch' });
    if (passkey.suspendedAt)
      return refuse('identity.passkey_suspended', passkey.userId, {
        ...about,
        suspended_at: passkey.suspendedAt.toISOString(),
      });

    let verification: VerifiedAuthenticationResponse;
    try {
      verification = await verifyAuthenticationResponse({
        response: parsed,
        expectedChallenge: input.expectedChallenge,
        expectedOrigin: input.rp.origin,
        expectedRPID: input.rp.id,
        // SECURITY: the library is given counter 0 so that its own counter check never fires; the counter is
        // enforced below, after the signature is verified, so that only a genuinely signed assertion with a stale
        // counter is reported as a cloned authenticator (a forged one is simply invalid).
        credential: {
          id: passkey.credentialId,
          publicKey: isoBase64URL.toBuffer(passkey.publicKey),
          counter: 0,
          transports: passkey.transports,
        },
        requireUserVerification: true,
      });
    } catch (cause) {
      return refuse('identity.passkey_invalid', passkey.userId, { ...about, problem: verificationProblem(cause) });
    }
    if (!verification.verified)
      return refuse('identity.passkey_invalid', passkey.userId, { ...about, problem: 'signature not verified' });

    const presented = verification.authenticationInfo.newCounter;
    const counters = { stored_counter: passkey.counter, presented_counter: presented };
    const now = deps.clock.now();
    if (counterRegressed(passkey.counter, presented)) {
      // SECURITY: two authenticators hold this key and nothing tells which one is the user's, so neither signs in
      // again (the passkey is suspended until its user removes it), and every sign-in either may have made ends, in
      // the transaction that records the refusal.
      await suspendPasskey(platform, passkey.id, now);
      await deps.endSignIns(platform, passkey.userId, {
        actor: { type: 'system', id: 'identity.passkey' },
        reason: 'identity.passkey_counter_regressed',
      });
      await appendPasskeyEvent(deps, platform, {
        action: 'identity.passkey.suspended',
        decision: 'block',
        actor: { type: 'system', id: 'identity.passkey' },
        userId: passkey.userId,
        reasonCodes: ['identity.passkey_counter_regressed'],
        meta: input.meta,
        details: { ...about, ...counters },
      });
      return refuse('identity.passkey_counter_regressed', passkey.userId, {
        ...about,
        ...counters,
        problem: 'counter did not increase',
        suspended: true,
      });
    }
    if (!(await advancePasskeyCounter(platform, passkey.id, passkey.counter, presented, now)))
      return refuse('identity.passkey_counter_regressed', passkey.userId, {
        ...about,
        ...counters,
        problem: 'counter moved by a concurrent sign-in',
      });
    await appendPasskeyEvent(deps, platform, {
      action: 'identity.passkey.succeeded',
      decision: 'allow',
      actor: signInActor(passkey.userId),
      userId: passkey.userId,
      meta: input.meta,
      details: {
        ceremony: 'authentication',
        ...about,
        ...counters,
        device_type: verification.authenticationInfo.credentialDeviceType,
        backed_up: verification.authenticationInfo.credentialBackedUp,
      },
    });
    return { ok: true, userId: passkey.userId, passkeyId: passkey.id };
  });
}
