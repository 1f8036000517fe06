import { randomBytes, timingSafeEqual } from 'node:crypto';
import type * as pkcs11js from 'pkcs11js';
import type { Attribute, Handle, PKCS11 } from 'pkcs11js';
import { AppError, isAppError } from '../../lib/errors/index.js';
import type { Secret } from '../../lib/secret.js';
import type { KeyVault, WrappedKey } from './key-vault.js';
import { Mutex } from './mutex.js';
import { formatWrappedKey, GCM_IV_BYTES, GCM_TAG_BYTES, parseWrappedKey } from './wrapped-key-format.js';

type Pkcs11Module = typeof pkcs11js;

/** Where the HSM is and how to log in; the shape of `config.vault.pkcs11`. */
export interface Pkcs11Settings {
  /** Path of the PKCS#11 module (.so). */
  readonly module: string;
  /** Label of the token that holds the KEKs. */
  readonly tokenLabel: string;
  /** User PIN of the token. */
  readonly pin: Secret;
  /** Label prefix of the KEKs; version `n` is labelled `${keyLabel}-${n}`. */
  readonly keyLabel: string;
}

const KEK_BYTES = 32;
const MAC_KEY_BYTES = 32;
const MAC_BYTES = 32;
const FIND_BATCH = 64;
/** Label suffix of the audit-checkpoint MAC key: `${keyLabel}-audit-mac-1` (not a KEK label: its suffix is not a number). */
const MAC_LABEL_SUFFIX = 'audit-mac-1';

function unavailable(publicMessage: string, cause?: unknown): AppError {
  return new AppError('vault.unavailable', { publicMessage, cause });
}

function isTrue(attribute: { value: Buffer } | undefined): boolean {
  return attribute?.value.length === 1 && attribute.value[0] === 1;
}

/** KEKs generated inside a PKCS#11 token: AES-256, sensitive and non-extractable, so they never leave the HSM. */
class Pkcs11KeyVault implements KeyVault {
  readonly kind = 'pkcs11';
  readonly #p11: Pkcs11Module;
  readonly #lib: PKCS11;
  readonly #session: Handle;
  readonly #keyLabel: string;
  // SECURITY: one session, used by one operation at a time; PKCS#11 sessions keep per-operation state
  // (C_EncryptInit then C_Encrypt), so interleaved async calls would mix up keys and parameters.
  readonly #mutex = new Mutex();
  #keys = new Map<number, Handle>();
  #macKey: Handle | undefined;
  #closed = false;

  constructor(p11: Pkcs11Module, lib: PKCS11, session: Handle, keyLabel: string) {
    this.#p11 = p11;
    this.#lib = lib;
    this.#session = session;
    this.#keyLabel = keyLabel;
  }

  currentKekVersion(): number {
    const version = Math.max(0, ...this.#keys.keys());
    if (version === 0) throw unavailable('the key vault holds no key-encryption key');
    return version;
  }

  wrap(dek: Buffer, aad: Buffer): Promise<WrappedKey> {
    return this.#mutex.run(async () => {
      this.#assertOpen();
      const kekVersion = this.currentKekVersion();
      const key = this.#keyHandle(kekVersion);
      // SECURITY: a fresh random 96-bit IV from Node's CSPRNG per wrap; a KEK wraps few keys, so collisions are negligible.
      const iv = randomBytes(GCM_IV_BYTES);
      try {
        this.#lib.C_EncryptInit(this.#session, this.#gcm(iv, aad), key);
        const sealed = await this.#lib.C_EncryptAsync(this.#session, dek, Buffer.alloc(dek.length + GCM_TAG_BYTES));
        return { kekVersion, wrapped: formatWrappedKey({ iv, sealed }) };
      } catch (cause) {
        throw unavailable('the HSM failed to wrap a data key', cause);
      }
    });
  }

  unwrap(wrapped: string, kekVersion: number, aad: Buffer): Promise<Buffer> {
    const { iv, sealed } = parseWrappedKey(wrapped);
    return this.#mutex.run(async () => {
      this.#assertOpen();
      const key = this.#keyHandle(kekVersion);
      try {
        this.#lib.C_DecryptInit(this.#session, this.#gcm(iv, aad), key);
        return await this.#lib.C_DecryptAsync(this.#session, sealed, Buffer.alloc(sealed.length));
      } catch (cause) {
        if (this.#isAuthenticationFailure(cause))
          throw new AppError('vault.decrypt_failed', { publicMessage: 'wrapped key failed authentication', cause });
        throw unavailable('the HSM failed to unwrap a data key', cause);
      }
    });
  }

  createKekVersion(): Promise<number> {
    return this.#mutex.run(async () => {
      this.#assertOpen();
      // Another node may have created versions since we opened the token: number after the highest one there.
      this.#keys = this.#findKeys();
      const version = Math.max(0, ...this.#keys.keys()) + 1;
      await this.#generateKey(version);
      // Re-read rather than trust our handle alone, so a version created at the same moment elsewhere fails closed.
      this.#keys = this.#findKeys();
      return version;
    });
  }

  currentMacKeyId(): string {
    return `pkcs11:${this.#macLabel()}`;
  }

  mac(keyId: string, data: Buffer): Promise<Buffer> {
    return this.#mutex.run(async () => {
      this.#assertOpen();
      // One MAC key so far (rotation of it is not built); any other id is not ours.
      if (keyId !== this.currentMacKeyId() || !this.#macKey)
        throw new AppError('vault.key_not_found', { publicMessage: `MAC key ${keyId} is not in the token` });
      try {
        // SECURITY: CKM_SHA256_HMAC runs inside the token; the key value never reaches this process.
        this.#lib.C_SignInit(this.#session, { mechanism: this.#p11.CKM_SHA256_HMAC }, this.#macKey);
        return await this.#lib.C_SignAsync(this.#session, data, Buffer.alloc(MAC_BYTES));
      } catch (cause) {
        throw unavailable('the HSM failed to compute a MAC', cause);
      }
    });
  }

  async verifyMac(keyId: string, data: Buffer, tag: Buffer): Promise<boolean> {
    // HMAC is deterministic: recompute in the token and compare here in constant time.
    const expected = await this.mac(keyId, data);
    return tag.length === expected.length && timingSafeEqual(tag, expected);
  }

  close(): Promise<void> {
    return this.#mutex.run(async () => {
      if (this.#closed) return;
      this.#closed = true;
      try {
        this.#lib.C_Logout(this.#session);
        this.#lib.C_CloseSession(this.#session);
      } finally {
        this.#lib.C_Finalize();
        this.#lib.close();
      }
    });
  }

  /** Loads the KEK handles and the MAC key of the token, generating KEK version 1 and the MAC key when absent; called once at open. */
  init(): Promise<void> {
    return this.#mutex.run(async () => {
      this.#keys = this.#findKeys();
      if (this.#keys.size === 0) {
        await this.#generateKey(1);
        this.#keys = this.#findKeys();
      }
      this.#macKey = this.#findMacKey();
      if (!this.#macKey) {
        await this.#generateMacKey();
        this.#macKey = this.#findMacKey();
        if (!this.#macKey) throw unavailable(`the HSM did not keep MAC key ${this.#macLabel()}`);
      }
    });
  }

  #macLabel(): string {
    return `${this.#keyLabel}-${MAC_LABEL_SUFFIX}`;
  }

  /** The MAC key (a generic secret of our MAC label), or undefined. Fails closed on duplicates and on a key that could leave the HSM. */
  #findMacKey(): Handle | undefined {
    const p11 = this.#p11;
    const lib = this.#lib;
    const label = this.#macLabel();
    lib.C_FindObjectsInit(this.#session, [
      { type: p11.CKA_CLASS, value: p11.CKO_SECRET_KEY },
      { type: p11.CKA_KEY_TYPE, value: p11.CKK_GENERIC_SECRET },
      { type: p11.CKA_TOKEN, value: true },
      { type: p11.CKA_LABEL, value: label },
    ]);
    let handles: Handle[];
    try {
      handles = lib.C_FindObjects(this.#session, 2);
    } finally {
      lib.C_FindObjectsFinal(this.#session);
    }
    if (handles.length > 1) throw unavailable(`the token holds two keys labelled ${label}; remove one`);
    const handle = handles[0];
    if (!handle) return undefined;
    const [sensitive, extractable] = lib.C_GetAttributeValue(this.#session, handle, [
      { type: p11.CKA_SENSITIVE },
      { type: p11.CKA_EXTRACTABLE },
    ]);
    // SECURITY: whoever could read the MAC key could forge checkpoints over a rewritten audit chain.
    if (!isTrue(sensitive) || isTrue(extractable))
      throw unavailable(`key ${label} is extractable or not sensitive; the MAC key must never leave the HSM`);
    return handle;
  }

  async #generateMacKey(): Promise<void> {
    const p11 = this.#p11;
    const label = this.#macLabel();
    // SECURITY: generated inside the token, persistent, sensitive and non-extractable; it may only sign and verify (HMAC).
    const template: Attribute[] = [
      { type: p11.CKA_CLASS, value: p11.CKO_SECRET_KEY },
      { type: p11.CKA_KEY_TYPE, value: p11.CKK_GENERIC_SECRET },
      { type: p11.CKA_VALUE_LEN, value: MAC_KEY_BYTES },
      { type: p11.CKA_LABEL, value: label },
      { type: p11.CKA_ID, value: Buffer.from(label, 'utf8') },
      { type: p11.CKA_TOKEN, value: true },
      { type: p11.CKA_PRIVATE, value: true },
      { type: p11.CKA_SENSITIVE, value: true },
      { type: p11.CKA_EXTRACTABLE, value: false },
      { type: p11.CKA_MODIFIABLE, value: false },
      { type: p11.CKA_SIGN, value: true },
      { type: p11.CKA_VERIFY, value: true },
      { type: p11.CKA_ENCRYPT, value: false },
      { type: p11.CKA_DECRYPT, value: false },
      { type: p11.CKA_WRAP, value: false },
      { type: p11.CKA_UNWRAP, value: false },
      { type: p11.CKA_DERIVE, value: false },
    ];
    try {
      await this.#lib.C_GenerateKeyAsync(this.#session, { mechanism: p11.CKM_GENERIC_SECRET_KEY_GEN }, template);
    } catch (cause) {
      throw unavailable(`the HSM could not generate MAC key ${label}`, cause);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw unavailable('the key vault is closed');
  }

  #gcm(
    iv: Buffer,
    aad: Buffer,
  ): { mechanism: number; parameter: { type: number; iv: Buffer; ivBits: number; aad: Buffer; tagBits: number } } {
    return {
      mechanism: this.#p11.CKM_AES_GCM,
      parameter: { type: this.#p11.CK_PARAMS_AES_GCM, iv, ivBits: GCM_IV_BYTES * 8, aad, tagBits: GCM_TAG_BYTES * 8 },
    };
  }

  /** True when C_Decrypt failed because the ciphertext, tag or AAD did not authenticate (not because the HSM is down). */
  #isAuthenticationFailure(error: unknown): boolean {
    if (!(error instanceof this.#p11.Pkcs11Error)) return false;
    // SoftHSM2 reports a GCM tag mismatch as CKR_GENERAL_ERROR rather than the CKR_ENCRYPTED_DATA_INVALID of the standard.
    return [
      this.#p11.CKR_ENCRYPTED_DATA_INVALID,
      this.#p11.CKR_ENCRYPTED_DATA_LEN_RANGE,
      this.#p11.CKR_GENERAL_ERROR,
    ].includes(error.code);
  }

  /** The handle of KEK `version`; looks at the token again when another node has created it since we opened. */
  #keyHandle(version: number): Handle {
    const known = this.#keys.get(version);
    if (known) return known;
    this.#keys = this.#findKeys();
    const found = this.#keys.get(version);
    if (!found)
      throw new AppError('vault.key_not_found', {
        publicMessage: `key-encryption key ${this.#keyLabel}-${version} is not in the token`,
      });
    return found;
  }

  /** Every KEK of our label prefix on the token, by version. Fails closed on duplicates and on keys that could leave the HSM. */
  #findKeys(): Map<number, Handle> {
    const p11 = this.#p11;
    const lib = this.#lib;
    lib.C_FindObjectsInit(this.#session, [
      { type: p11.CKA_CLASS, value: p11.CKO_SECRET_KEY },
      { type: p11.CKA_KEY_TYPE, value: p11.CKK_AES },
      { type: p11.CKA_TOKEN, value: true },
    ]);
    const handles: Handle[] = [];
    try {
      for (
        let batch = lib.C_FindObjects(this.#session, FIND_BATCH);
        batch.length > 0;
        batch = lib.C_FindObjects(this.#session, FIND_BATCH)
      ) {
        handles.push(...batch);
      }
    } finally {
      lib.C_FindObjectsFinal(this.#session);
    }
    const prefix = `${this.#keyLabel}-`;
    const keys = new Map<number, Handle>();
    for (const handle of handles) {
      const [label, sensitive, extractable] = lib.C_GetAttributeValue(this.#session, handle, [
        { type: p11.CKA_LABEL },
        { type: p11.CKA_SENSITIVE },
        { type: p11.CKA_EXTRACTABLE },
      ]);
      const text = label?.value.toString('utf8') ?? '';
      const suffix = text.slice(prefix.length);
      if (!text.startsWith(prefix) || !/^[1-9][0-9]*$/.test(suffix)) continue;
      const version = Number(suffix);
      // SECURITY: two keys with one label would make wraps ambiguous, and a key imported as extractable
      // could have been copied out; refuse both rather than use them.
      if (keys.has(version)) throw unavailable(`the token holds two keys labelled ${text}; remove one`);
      if (!isTrue(sensitive) || isTrue(extractable))
        throw unavailable(`key ${text} is extractable or not sensitive; KEKs must never leave the HSM`);
      keys.set(version, handle);
    }
    return keys;
  }

  async #generateKey(version: number): Promise<void> {
    const p11 = this.#p11;
    const label = `${this.#keyLabel}-${version}`;
    // SECURITY: generated inside the token, persistent, sensitive and non-extractable: the KEK value can
    // never be read or wrapped out. It may only encrypt and decrypt (DEKs), and its attributes are frozen.
    const template: Attribute[] = [
      { type: p11.CKA_CLASS, value: p11.CKO_SECRET_KEY },
      { type: p11.CKA_KEY_TYPE, value: p11.CKK_AES },
      { type: p11.CKA_VALUE_LEN, value: KEK_BYTES },
      { type: p11.CKA_LABEL, value: label },
      { type: p11.CKA_ID, value: Buffer.from(label, 'utf8') },
      { type: p11.CKA_TOKEN, value: true },
      { type: p11.CKA_PRIVATE, value: true },
      { type: p11.CKA_SENSITIVE, value: true },
      { type: p11.CKA_EXTRACTABLE, value: false },
      { type: p11.CKA_MODIFIABLE, value: false },
      { type: p11.CKA_ENCRYPT, value: true },
      { type: p11.CKA_DECRYPT, value: true },
      { type: p11.CKA_WRAP, value: false },
      { type: p11.CKA_UNWRAP, value: false },
      { type: p11.CKA_SIGN, value: false },
      { type: p11.CKA_VERIFY, value: false },
      { type: p11.CKA_DERIVE, value: false },
    ];
    try {
      await this.#lib.C_GenerateKeyAsync(this.#session, { mechanism: p11.CKM_AES_KEY_GEN }, template);
    } catch (cause) {
      throw unavailable(`the HSM could not generate key ${label}`, cause);
    }
  }
}

function findSlot(lib: PKCS11, settings: Pkcs11Settings): Handle {
  for (const slot of lib.C_GetSlotList(true)) {
    if (lib.C_GetTokenInfo(slot).label.trimEnd() === settings.tokenLabel) return slot;
  }
  throw unavailable(`no PKCS#11 token labelled ${settings.tokenLabel} in module ${settings.module}`);
}

/**
 * Opens the token labelled `settings.tokenLabel`, logs in with the PIN and loads the KEKs, creating
 * `${keyLabel}-1` when there is none. Initialises the module for this process: open one pkcs11 vault per process.
 */
export async function openPkcs11KeyVault(settings: Pkcs11Settings): Promise<KeyVault> {
  // Loaded on demand so a node with a local vault never loads the native addon.
  const { default: p11 } = await import('pkcs11js');
  const lib = new p11.PKCS11();
  try {
    lib.load(settings.module);
  } catch (cause) {
    throw unavailable(`cannot load PKCS#11 module ${settings.module}`, cause);
  }
  try {
    lib.C_Initialize({ flags: p11.CKF_OS_LOCKING_OK });
  } catch (cause) {
    lib.close();
    throw unavailable(`cannot initialise PKCS#11 module ${settings.module}`, cause);
  }
  try {
    const slot = findSlot(lib, settings);
    const session = lib.C_OpenSession(slot, p11.CKF_SERIAL_SESSION | p11.CKF_RW_SESSION);
    try {
      lib.C_Login(session, p11.CKU_USER, settings.pin.reveal());
    } catch (cause) {
      if (!(cause instanceof p11.Pkcs11Error && cause.code === p11.CKR_USER_ALREADY_LOGGED_IN)) {
        throw unavailable(`cannot log in to PKCS#11 token ${settings.tokenLabel}`, cause);
      }
    }
    const vault = new Pkcs11KeyVault(p11, lib, session, settings.keyLabel);
    await vault.init();
    return vault;
  } catch (cause) {
    lib.C_Finalize();
    lib.close();
    throw isAppError(cause) ? cause : unavailable(`cannot open PKCS#11 token ${settings.tokenLabel}`, cause);
  }
}
