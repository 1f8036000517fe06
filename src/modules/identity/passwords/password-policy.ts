import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { AppError } from '../../../lib/errors/index.js';

/** Length bounds of a password, in Unicode code points. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
/** The lowest zxcvbn score (0 to 4) a password may have. */
export const PASSWORD_MIN_SCORE = 3;

/** A rule of the password policy that a password broke. */
export type PasswordRejection = 'too_short' | 'too_long' | 'too_guessable' | 'contains_email';

// One estimator per process: building it loads the dictionaries.
const zxcvbn = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });

// The local part of an e-mail, its alphanumeric runs and their concatenation ('alice.smith' -> alice, smith,
// alicesmith).
function emailWords(email: string): { local: string; parts: string[] } {
  const local = (email.split('@')[0] ?? '').toLowerCase();
  const runs = local.split(/[^\p{L}\p{N}]+/u).filter((run) => run.length > 0);
  return { local, parts: [...runs, runs.join('')].filter((part) => part.length >= 3) };
}

// A password contains the e-mail name when it holds the whole local part or one of its runs of 4 characters or more.
function containsEmailName(password: string, local: string, parts: readonly string[]): boolean {
  const lower = password.toLowerCase();
  if (local.length >= 3 && lower.includes(local)) return true;
  return parts.some((part) => part.length >= 4 && lower.includes(part));
}

/** The rules of the password policy `password` breaks for the account of `email` (empty when it is acceptable). */
export function passwordRejections(password: string, email: string): PasswordRejection[] {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return ['too_short'];
  // SECURITY: the upper bound comes before zxcvbn, whose matching grows faster than linearly with the length.
  if (length > PASSWORD_MAX_LENGTH) return ['too_long'];
  const reasons: PasswordRejection[] = [];
  const { local, parts } = emailWords(email);
  if (containsEmailName(password, local, parts)) reasons.push('contains_email');
  const userInputs = [...new Set([email.toLowerCase(), local, ...parts])].filter((input) => input.length > 0);
  if (zxcvbn.check(password, userInputs).score < PASSWORD_MIN_SCORE) reasons.push('too_guessable');
  return reasons;
}

/** Throws `identity.password_rejected`, naming every rule broken, unless `password` meets the policy. */
export function assertPasswordAcceptable(password: string, email: string): void {
  const reasons = passwordRejections(password, email);
  if (reasons.length > 0)
    throw new AppError('identity.password_rejected', {
      publicMessage: `password rejected: ${reasons.join(', ')}`,
      details: { reasons },
    });
}
