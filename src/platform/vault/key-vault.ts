/** What a KEK-wrapped data key looks like at rest: the KEK version that wrapped it and the wrapped bytes as text. */
export interface WrappedKey {
  readonly kekVersion: number;
  readonly wrapped: string;
}

/**
 * The key vault port: holds versioned key-encryption keys (KEKs) and wraps and unwraps data-encryption
 * keys (DEKs) with them. KEKs never leave the vault; old versions stay available for unwrapping.
 * It also holds a MAC key (HMAC-SHA256) of a separate purpose, which seals the audit chain's checkpoints.
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
  /** Id of the MAC key that `mac` seals with now (`local:kek-<n>:audit-mac` or `pkcs11:<label>`); stored beside each tag. */
  currentMacKeyId(): string;
  /** HMAC-SHA256 of `data` under the MAC key `keyId` (32 bytes); `vault.key_not_found` when the vault has no such key. */
  mac(keyId: string, data: Buffer): Promise<Buffer>;
  /** Whether `tag` is the MAC of `data` under key `keyId` (constant-time compare); `vault.key_not_found` for an unknown key. */
  verifyMac(keyId: string, data: Buffer, tag: Buffer): Promise<boolean>;
  /** Releases the key material or the HSM session. The vault is unusable afterwards. */
  close(): Promise<void>;
}
