import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors/index.js';
import type { OrgId } from '../../lib/ids.js';
import type { TenantSql } from '../db/index.js';
import { DataKeyCache, type DataKeyCacheOptions } from './data-key-cache.js';
import {
  dataKeyAad,
  DEK_BYTES,
  insertDataKey,
  lockOrgDataKeys,
  newWrappedDataKey,
  nextDataKeyVersion,
  readActiveDataKey,
  readDataKey,
  type DataKeyRow,
} from './data-keys.js';
import type { KeyVault } from './key-vault.js';
import { GCM_IV_BYTES, GCM_TAG_BYTES } from './wrapped-key-format.js';

/** Where an encrypted value lives; the ciphertext is bound to it and decrypts nowhere else. */
export interface FieldRef {
  readonly table: string;
  readonly column: string;
  readonly rowId: string;
}

/** What a FieldCipher needs. */
export interface FieldCipherDeps {
  readonly vault: KeyVault;
  readonly clock?: Clock;
  readonly cache?: DataKeyCacheOptions;
}

const PREFIX = 'bwf1';
const FORMAT = /^bwf1\.([1-9][0-9]{0,8})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decryptFailed(publicMessage: string, cause?: unknown): AppError {
  return new AppError('vault.decrypt_failed', { publicMessage, cause });
}

// SECURITY: the associated data names the org, table, column, row and DEK version, so a ciphertext copied to
// another row, column or org (or relabelled with another DEK version) fails authentication. JSON of an array of
// strings and a number is unambiguous: no two refs encode alike.
function fieldAad(orgId: OrgId, ref: FieldRef, dekVersion: number): Buffer {
  return Buffer.from(JSON.stringify([PREFIX, orgId, ref.table, ref.column, ref.rowId, dekVersion]), 'utf8');
}

function assertRef(ref: FieldRef): void {
  if (!ref.table || !ref.column || !ref.rowId) {
    throw new AppError('internal.error', { publicMessage: 'a field reference needs a table, a column and a row id' });
  }
}

/**
 * Field-level envelope encryption: AES-256-GCM under the org's data key, which is stored wrapped by the vault
 * in org_data_keys and created on first use. Ciphertexts read `bwf1.<dekVersion>.<base64url(iv)>.<base64url(ct||tag)>`.
 * Every method runs its key queries on the caller's tenant transaction, under row-level security.
 * Create one per process: it holds the cache of unwrapped data keys.
 */
export class FieldCipher {
  readonly #vault: KeyVault;
  readonly #cache: DataKeyCache;

  constructor(deps: FieldCipherDeps) {
    this.#vault = deps.vault;
    this.#cache = new DataKeyCache(deps.clock ?? systemClock, deps.cache);
  }

  /** Encrypts `plaintext` for `ref` in the transaction's org under its active data key (created if the org has none). */
  async encrypt(sql: TenantSql, ref: FieldRef, plaintext: string | Buffer): Promise<string> {
    assertRef(ref);
    const row = (await readActiveDataKey(sql)) ?? (await this.#createFirstDataKey(sql));
    const key = await this.#unwrap(sql.orgId, row);
    const iv = randomBytes(GCM_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    cipher.setAAD(fieldAad(sql.orgId, ref, row.version));
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const sealed = Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}.${row.version}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
  }

  /** Decrypts a ciphertext of `ref`; fails with `vault.decrypt_failed` when it was altered, moved or is unknown. */
  async decrypt(sql: TenantSql, ref: FieldRef, ciphertext: string): Promise<Buffer> {
    assertRef(ref);
    const match = FORMAT.exec(ciphertext);
    const [, versionText, ivText, sealedText] = match ?? [];
    if (versionText === undefined || ivText === undefined || sealedText === undefined)
      throw decryptFailed('ciphertext is malformed');
    const version = Number(versionText);
    const iv = Buffer.from(ivText, 'base64url');
    const sealed = Buffer.from(sealedText, 'base64url');
    if (iv.length !== GCM_IV_BYTES || sealed.length < GCM_TAG_BYTES) throw decryptFailed('ciphertext is malformed');
    const row = await readDataKey(sql, version);
    if (!row) throw decryptFailed('ciphertext names a data key this org does not have');
    const key = await this.#unwrap(sql.orgId, row);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(fieldAad(sql.orgId, ref, version));
    decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      throw decryptFailed('ciphertext failed authentication', cause);
    }
  }

  /** Decrypts a ciphertext of `ref` that holds UTF-8 text. */
  async decryptString(sql: TenantSql, ref: FieldRef, ciphertext: string): Promise<string> {
    const plaintext = await this.decrypt(sql, ref, ciphertext);
    try {
      return utf8.decode(plaintext);
    } catch (cause) {
      throw decryptFailed('plaintext is not UTF-8 text', cause);
    } finally {
      plaintext.fill(0);
    }
  }

  /** The unwrapped key of `row`, from the cache or the vault. */
  async #unwrap(orgId: OrgId, row: DataKeyRow): Promise<KeyObject> {
    const id = JSON.stringify([orgId, row.version, row.kekVersion, row.wrappedKey]);
    const cached = this.#cache.get(id);
    if (cached) return cached;
    const raw = await this.#vault.unwrap(row.wrappedKey, row.kekVersion, dataKeyAad(orgId, row.version));
    try {
      if (raw.length !== DEK_BYTES) throw decryptFailed('data key has the wrong length');
      const key = createSecretKey(raw);
      this.#cache.set(id, key);
      return key;
    } finally {
      raw.fill(0);
    }
  }

  // Two transactions may both find no key. The first to take the org's data-key lock creates version 1; the other waits
  // for it to commit, then re-reads (a fresh snapshot under READ COMMITTED) and uses that key, so one active DEK remains.
  /** Creates the org's first data key, or returns the one a concurrent transaction created first. */
  async #createFirstDataKey(sql: TenantSql): Promise<DataKeyRow> {
    await lockOrgDataKeys(sql);
    const existing = await readActiveDataKey(sql);
    if (existing) return existing;
    const candidate = await newWrappedDataKey(sql, this.#vault, await nextDataKeyVersion(sql));
    await insertDataKey(sql, candidate);
    const active = await readActiveDataKey(sql);
    if (!active) throw new AppError('vault.unavailable', { publicMessage: 'the org data key could not be created' });
    return active;
  }
}
