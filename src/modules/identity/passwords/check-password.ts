import type { PasswordCheck, SignInMeta } from '../identity.js';
import type { CredentialDeps } from '../identity-deps.js';
import { inAuditedTransaction, type CredentialEvent } from '../sign-in-audit.js';
import { DUMMY_PASSWORD_HASH } from './password-hasher.js';
import { PASSWORD_MAX_LENGTH } from './password-policy.js';
import { selectAccountByEmail, type AccountForSignIn } from './password-repo.js';

// RFC 5321 bounds an address at 254 octets; a longer one matches no account and is not looked up.
const EMAIL_MAX_LENGTH = 320;

type Failure = 'unknown_account' | 'no_password' | 'account_disabled' | 'wrong_password' | 'too_long';

function failureOf(account: AccountForSignIn | undefined, matches: boolean, tooLong: boolean): Failure | undefined {
  if (!account) return 'unknown_account';
  if (account.passwordHash === null) return 'no_password';
  if (tooLong) return 'too_long';
  if (!matches) return 'wrong_password';
  if (!account.active) return 'account_disabled';
  return undefined;
}

/**
 * Checks an e-mail and password. Throttled per account and per source before anything is verified; an unknown
 * account, one without a password and a wrong password get the same answer after the same argon2id work.
 */
export async function checkPassword(
  deps: CredentialDeps,
  email: string,
  password: string,
  meta: SignInMeta,
): Promise<PasswordCheck> {
  const accountKey = deps.accountKeyOf(email);
  const lookup = email.length > 0 && email.length <= EMAIL_MAX_LENGTH ? email : undefined;
  const baseDetails = { factor: 'pwd', email_hash: accountKey };

  // SECURITY: a blocked attempt is refused before the password is verified, so a right password is refused too and
  // the block cannot be probed for the right answer.
  const block = await deps.throttle.passwordAttempt(accountKey, meta.clientIp);
  if (block) {
    return inAuditedTransaction(deps, async (platform) => {
      const account = lookup === undefined ? undefined : await selectAccountByEmail(platform, lookup);
      const event: CredentialEvent = {
        action: 'identity.login.throttled',
        decision: 'deny',
        reasonCodes: ['identity.login_throttled'],
        userId: account?.userId ?? null,
        details: {
          ...baseDetails,
          account_known: account !== undefined,
          scope: block.scope,
          retry_after_seconds: block.retryAfterSeconds,
        },
        meta,
      };
      const result: PasswordCheck = {
        ok: false,
        reason: 'identity.login_throttled',
        retryAfterSeconds: block.retryAfterSeconds,
      };
      return { result, events: [event] };
    });
  }

  const account =
    lookup === undefined ? undefined : await deps.db.withPlatform((platform) => selectAccountByEmail(platform, lookup));
  const tooLong = [...password].length > PASSWORD_MAX_LENGTH;
  // SECURITY: every path runs exactly one argon2id verification at the same parameters: against the account's hash,
  // or against the dummy when there is no account, no password, or a password no policy could have accepted. The
  // answer's timing and wording then say nothing about whether the account exists.
  const encoded = account?.passwordHash && !tooLong ? account.passwordHash : DUMMY_PASSWORD_HASH;
  const matches = await deps.hasher.verify(encoded, tooLong ? '' : password);
  const failure = failureOf(account, matches, tooLong);

  if (failure === undefined && account) {
    await deps.throttle.passwordSucceeded(accountKey, meta.clientIp);
    return inAuditedTransaction(deps, async () => ({
      result: { ok: true, userId: account.userId } satisfies PasswordCheck,
      events: [
        {
          action: 'identity.login.password_succeeded',
          decision: 'allow',
          userId: account.userId,
          details: { ...baseDetails, account_known: true },
          meta,
        },
      ],
    }));
  }
  return inAuditedTransaction(deps, async () => ({
    result: { ok: false, reason: 'identity.invalid_credentials' } satisfies PasswordCheck,
    events: [
      {
        action: 'identity.login.password_failed',
        decision: 'deny',
        reasonCodes: ['identity.invalid_credentials'],
        userId: account?.userId ?? null,
        details: { ...baseDetails, account_known: account !== undefined, failure },
        meta,
      },
    ],
  }));
}
