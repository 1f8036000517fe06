import { formatRecoveryCode, hashRecoveryCode, newRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-code.js';

/** A fresh set of recovery codes: the codes to show once (formatted), and the hashes to store. */
export function newRecoveryCodeSet(): { codes: string[]; hashes: string[] } {
  const canonical = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  return { codes: canonical.map(formatRecoveryCode), hashes: canonical.map(hashRecoveryCode) };
}
