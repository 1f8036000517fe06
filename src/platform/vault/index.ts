export type { DataKeyCacheOptions } from './data-key-cache.js';
export { FieldCipher, type FieldCipherDeps, type FieldRef } from './field-cipher.js';
export { loadInstallationSecret } from './installation-secret.js';
export type { KeyVault, WrappedKey } from './key-vault.js';
export { openLocalKeyVault } from './local-key-vault.js';
export { openKeyVault } from './open-key-vault.js';
export { openPkcs11KeyVault, type Pkcs11Settings } from './pkcs11-key-vault.js';
export { rotateDataKey } from './rotate-data-key.js';
export { rotateKek, type RotateKekOptions, type RotateKekResult } from './rotate-kek.js';
