import type { JWK } from 'jose';
import { keySchedule } from './key-schedule.js';
import type { SigningKeyDeps } from './rotate-signing-key.js';
import { privateJwkRef, selectSigningKeys } from './signing-key-repo.js';

/** The key set of one instant: who signs, and every published key (private for the provider, public for verifiers). */
export interface KeySet {
  readonly signingKid: string;
  /** Published keys with their private parts, the signing key first; held in this process's memory only. */
  readonly privateJwks: readonly JWK[];
  /** The same keys without private parts (what the JWKS endpoint serves and our verifier trusts). */
  readonly publicJwks: readonly JWK[];
  /** Changes whenever the signing key or the published set changes. */
  readonly fingerprint: string;
}

/**
 * This node's view of the signing keys, read from the database (the nodes' one source of truth) at most every
 * `refreshMs`, and again on demand (an unknown kid) at most every `minRefreshMs`.
 */
export class Keyring {
  #current: { set: KeySet; loadedAt: number } | undefined;
  #loading: Promise<KeySet> | undefined;
  // SECURITY: unwrapped private JWKs, by kid and ciphertext; the private parts live only in this process's memory,
  // are never logged or written back, and a row re-encrypted or deleted stops matching.
  readonly #unwrapped = new Map<string, JWK>();

  constructor(
    private readonly deps: SigningKeyDeps,
    private readonly options: { refreshMs: number; minRefreshMs: number },
  ) {}

  /** The current key set (reloaded when older than `refreshMs`); fails when no key exists (openOidc creates the first). */
  async current(): Promise<KeySet> {
    const now = this.deps.clock.now().getTime();
    if (this.#current && now - this.#current.loadedAt < this.options.refreshMs) return this.#current.set;
    return this.load();
  }

  /** Reloads unless the last load is younger than `minRefreshMs` (a token naming a kid this node has not seen). */
  async refreshSoon(): Promise<KeySet> {
    const now = this.deps.clock.now().getTime();
    if (this.#current && now - this.#current.loadedAt < this.options.minRefreshMs) return this.#current.set;
    return this.load();
  }

  private load(): Promise<KeySet> {
    this.#loading ??= this.read().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  private async read(): Promise<KeySet> {
    const now = this.deps.clock.now();
    const set = await this.deps.db.withTenant(this.deps.platformOrgId, async (sql) => {
      const rows = await selectSigningKeys(sql);
      const schedule = keySchedule(rows, now, this.deps.tokenLifetimeMs);
      if (!schedule.signing) throw new Error('no OIDC signing key exists (the node creates one at startup)');
      const privateJwks: JWK[] = [];
      const publicJwks: JWK[] = [];
      for (const kid of schedule.published) {
        const row = rows.find((r) => r.kid === kid);
        if (!row) continue;
        const cacheKey = `${kid}:${row.privateJwkCiphertext}`;
        let jwk = this.#unwrapped.get(cacheKey);
        if (!jwk) {
          jwk = JSON.parse(
            await this.deps.cipher.decryptString(sql, privateJwkRef(kid), row.privateJwkCiphertext),
          ) as JWK;
          this.#unwrapped.set(cacheKey, jwk);
        }
        privateJwks.push(jwk);
        publicJwks.push(row.publicJwk);
      }
      for (const cacheKey of this.#unwrapped.keys())
        if (!schedule.published.some((kid) => cacheKey.startsWith(`${kid}:`))) this.#unwrapped.delete(cacheKey);
      return {
        signingKid: schedule.signing,
        privateJwks,
        publicJwks,
        fingerprint: `${schedule.signing}|${schedule.published.join(',')}`,
      };
    });
    this.#current = { set, loadedAt: now.getTime() };
    return set;
  }
}
