import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Keyring, KeySet } from '../signing-keys/keyring.js';

/** A Node request handler of the provider. */
export type ProviderCallback = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Serves the provider of the current key set. oidc-provider takes its keys at construction, so when the key set
 * changes (a rotation published or activated a key, a retired key left) a new instance is built; it holds no state
 * of its own (everything is in the database), so requests in flight on the old one finish unharmed.
 */
export class ProviderHost {
  #built: { fingerprint: string; provider: Provider; callback: ProviderCallback } | undefined;

  constructor(
    private readonly keyring: Keyring,
    private readonly build: (keys: KeySet) => Provider,
  ) {}

  /** The handler of the provider for the key set in force now. */
  async callback(): Promise<ProviderCallback> {
    return (await this.current()).callback;
  }

  /** The provider for the key set in force now (interactions are stored, so any instance can finish one). */
  async provider(): Promise<Provider> {
    return (await this.current()).provider;
  }

  private async current(): Promise<{ provider: Provider; callback: ProviderCallback }> {
    const keys = await this.keyring.current();
    if (this.#built?.fingerprint !== keys.fingerprint) {
      const provider = this.build(keys);
      this.#built = { fingerprint: keys.fingerprint, provider, callback: provider.callback() };
    }
    return this.#built;
  }
}
