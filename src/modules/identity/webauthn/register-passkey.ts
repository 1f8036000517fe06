import { verifyRegistrationResponse, type VerifiedRegistrationResponse } from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import { AppError } from '../../../lib/errors/index.js';
import { newId, type UserId } from '../../../lib/ids.js';
import type { PlatformSql } from '../../../platform/db/index.js';
import type { RelyingParty, SignInMeta } from '../identity.js';
import { PASSKEY_ALGORITHMS, type PasskeyDeps, type PasskeyId } from './passkey.js';
import { appendPasskeyEvent, signInActor, verificationProblem } from './passkey-audit.js';
import { insertPasskey } from './passkey-repo.js';
import { knownTransports, parseRegistrationResponse } from './passkey-schema.js';

/** What a registration answer is checked against, and the name the user gives the passkey. */
export interface PasskeyRegistrationInput {
  /** The challenge of the ceremony's options, kept by the caller and used once. */
  expectedChallenge: string;
  rp: RelyingParty;
  /** The user's label for the passkey (up to 100 characters); empty when omitted. */
  name?: string;
  meta?: SignInMeta;
  /** The caller's platform transaction, when the passkey must commit with the caller's change (owner setup). */
  within?: PlatformSql;
}

const nameSchema = z.string().trim().max(100);

/**
 * Verifies a browser's answer to registration options and stores the new passkey; returns its id. Throws AppError
 * `identity.passkey_rejected` (the answer does not verify: wrong origin or RP ID, no user verification, another
 * challenge) or `identity.passkey_already_registered` (its credential is registered already, to anyone). Both
 * refusals are audited.
 */
export async function verifyPasskeyRegistration(
  deps: PasskeyDeps,
  userId: UserId,
  response: unknown,
  input: PasskeyRegistrationInput,
): Promise<PasskeyId> {
  const name = nameSchema.safeParse(input.name ?? '');
  if (!name.success)
    throw new AppError('http.bad_request', {
      publicMessage: 'name: at most 100 characters',
      details: { issues: [{ path: 'name', message: 'at most 100 characters' }] },
    });
  const parsed = parseRegistrationResponse(response);
  let verification: VerifiedRegistrationResponse | undefined;
  let problem = 'malformed response';
  if (parsed) {
    try {
      verification = await verifyRegistrationResponse({
        response: parsed,
        expectedChallenge: input.expectedChallenge,
        expectedOrigin: input.rp.origin,
        expectedRPID: input.rp.id,
        requireUserPresence: true,
        requireUserVerification: true,
        supportedAlgorithmIDs: [...PASSKEY_ALGORITHMS],
      });
    } catch (cause) {
      problem = verificationProblem(cause);
    }
  }
  const event = { actor: signInActor(userId), userId, meta: input.meta };
  const inPlatform = <T>(fn: (platform: PlatformSql) => Promise<T>): Promise<T> =>
    input.within ? fn(input.within) : deps.db.withPlatform(fn);
  if (!verification?.verified) {
    await inPlatform((platform) =>
      appendPasskeyEvent(deps, platform, {
        ...event,
        action: 'identity.passkey.failed',
        decision: 'deny',
        reasonCodes: ['identity.passkey_rejected'],
        details: { ceremony: 'registration', problem },
      }),
    );
    throw new AppError('identity.passkey_rejected');
  }

  const info = verification.registrationInfo;
  const now = deps.clock.now();
  const id = newId('pky', now.getTime());
  const transports = knownTransports(info.credential.transports ?? parsed?.response.transports);
  const details = {
    ceremony: 'registration',
    passkey_id: id,
    aaguid: info.aaguid,
    transports,
    device_type: info.credentialDeviceType,
    backed_up: info.credentialBackedUp,
    attestation_format: info.fmt,
  };
  const stored = await inPlatform(async (platform) => {
    const inserted = await insertPasskey(platform, {
      id,
      userId,
      credentialId: info.credential.id,
      publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
      counter: info.credential.counter,
      suspendedAt: null,
      transports,
      name: name.data,
      createdAt: now,
    });
    await appendPasskeyEvent(
      deps,
      platform,
      inserted
        ? { ...event, action: 'identity.passkey.registered', decision: 'allow', details }
        : {
            ...event,
            action: 'identity.passkey.failed',
            decision: 'deny',
            reasonCodes: ['identity.passkey_already_registered'],
            details: { ...details, passkey_id: null },
          },
    );
    return inserted;
  });
  if (!stored) throw new AppError('identity.passkey_already_registered');
  return id;
}
