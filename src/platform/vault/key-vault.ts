/** What a KEK-wrapped data key looks like at rest: the KEK version that wrapped it and the wrapped bytes as text. */
export interface WrappedKey {
  readonly kekVersion: number;
  readonly wrapped: string;
}

/**
 * The key vault port: holds versioned key-encryption keys (KEKs) and wraps and unwraps data-encryption
 * keys (DEKs) with them. KEKs never leave the vault; old versions stay available for unwrapping.
 */
export interface KeyVault {
  /** Which adapter holds the KEKs. */
  readonly kind: 'local' | 'pkcs11';
  /** Version of the KEK that `wrap` uses. */
  currentKekVersion(): number;
  /** Wraps `dek` under the current KEK, authenticating `aad` with it (AES-256-GCM). */
  wrap(dek: Buffer, aad: Buffer): Promise<WrappedKey>;
  /** Unwraps a DEK wrapped by KEK `kekVersion`; fails with `vault.decrypt_failed` when it or `aad` was altered. */
  unwrap(wrapped: string, kekVersion: number, aad: Buffer): Promise<Buffer>;
  /** Creates a new KEK version and makes it current; returns its version. */
  createKekVersion(): Promise<number>;
  /** Releases the key material or the HSM session. The vault is unusable afterwards. */
  close(): Promise<void>;
}
