import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

/** Hashes and verifies passwords; injectable so tests can count the verifications a sign-in runs. */
export interface PasswordHasher {
  /** A PHC-format argon2id hash of `password` with a fresh salt. */
  hash(password: string): Promise<string>;
  /** True when `password` matches `encoded`. */
  verify(encoded: string, password: string): Promise<boolean>;
}

// OWASP Password Storage Cheat Sheet, argon2id: 19 MiB of memory, 2 passes, 1 lane. The algorithm is written as its
// value: the package declares it as an ambient const enum, which isolatedModules cannot read at run time.
const ARGON2ID_OPTIONS: Options = {
  algorithm: 2 as Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

/**
 * An argon2id hash of a random password nobody knows, at the same parameters as real hashes. A sign-in for an
 * account that does not exist (or has no password) is verified against it.
 */
// SECURITY: the dummy must cost what a real verification costs (argon2 reads m, t and p from the hash), so the answer
// to an unknown e-mail takes as long as the answer to a wrong password and the timing does not enumerate accounts.
export const DUMMY_PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$emVEDNKnFbucDUDZzW8ZBg$0myTnq08KzgMBWoF19jF6xdXa9hLlrkoBcKPCLwhkkc';

/** The argon2id hasher at OWASP parameters (@node-rs/argon2). */
export const argon2idHasher: PasswordHasher = {
  hash: (password) => hash(password, ARGON2ID_OPTIONS),
  async verify(encoded, password) {
    try {
      return await verify(encoded, password);
    } catch {
      // A stored value argon2 cannot parse matches no password.
      return false;
    }
  },
};
