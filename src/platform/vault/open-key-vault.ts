import type { Config } from '../../config/index.js';
import type { KeyVault } from './key-vault.js';
import { openLocalKeyVault } from './local-key-vault.js';
import { openPkcs11KeyVault } from './pkcs11-key-vault.js';

/** Opens the key vault `config.vault` names: the local key file or the PKCS#11 token. */
export function openKeyVault(config: Pick<Config, 'vault'>): Promise<KeyVault> {
  const { vault } = config;
  return vault.kind === 'pkcs11' ? openPkcs11KeyVault(vault.pkcs11) : openLocalKeyVault(vault.keyFile);
}
