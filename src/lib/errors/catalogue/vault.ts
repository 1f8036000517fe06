import { defineErrors } from '../error-spec.js';

/** Codes of the key vault and field encryption. */
export const vaultErrors = defineErrors({
  'vault.unavailable': {
    status: 503,
    title: 'Key vault unavailable',
    description: 'The key vault (local key file or PKCS#11 token) could not be opened or did not answer.',
  },
  'vault.decrypt_failed': {
    status: 500,
    title: 'Decryption failed',
    description:
      'A ciphertext failed authentication: it was altered, moved to another row/column, or wrapped by an unknown key.',
  },
  'vault.key_not_found': {
    status: 500,
    title: 'Key not found',
    description: 'The key version a ciphertext or wrapped key refers to does not exist in the vault.',
  },
});
