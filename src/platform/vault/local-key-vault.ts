import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import type { KeyVault, WrappedKey } from './key-vault.js';
import { Mutex } from './mutex.js';
import { formatWrappedKey, GCM_IV_BYTES, GCM_TAG_BYTES, parseWrappedKey } from './wrapped-key-format.js';

const FORMAT = 'bulwark.local-kek.v1';
const KEK_BYTES = 32;
// SECURITY: the MAC key is derived from the KEK with HKDF under its own label, so it is a key of another purpose:
// a MAC tag reveals nothing about the KEK, and the KEK is never used as an HMAC key.
const MAC_INFO = 'bulwark.local-kek.v1/audit-checkpoint-mac';
const MAC_KEY_ID = /^local:kek-([1-9][0-9]*):audit-mac$/;

const keyFileSchema = z.object({
  format: z.literal(FORMAT),
  current: z.number().int().min(1),
  keys: z.record(z.string().regex(/^[1-9][0-9]*$/), z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/)),
});

interface KeyFileContent {
  current: number;
  keys: Map<number, Buffer>;
}

function unavailable(publicMessage: string, cause?: unknown): AppError {
  return new AppError('vault.unavailable', { publicMessage, cause });
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function parseKeyFile(file: string, text: string): KeyFileContent {
  let parsed: z.infer<typeof keyFileSchema>;
  try {
    parsed = keyFileSchema.parse(JSON.parse(text));
  } catch (cause) {
    throw unavailable(`key file ${file} is not a valid ${FORMAT} file`, cause);
  }
  const keys = new Map<number, Buffer>();
  for (const [version, encoded] of Object.entries(parsed.keys)) {
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEK_BYTES) throw unavailable(`key file ${file}: key version ${version} is not 256 bits`);
    keys.set(Number(version), key);
  }
  if (!keys.has(parsed.current)) throw unavailable(`key file ${file}: current version ${parsed.current} has no key`);
  return { current: parsed.current, keys };
}

function serialiseKeyFile(content: KeyFileContent): string {
  const keys: Record<string, string> = {};
  for (const [version, key] of content.keys) keys[String(version)] = key.toString('base64');
  return `${JSON.stringify({ format: FORMAT, current: content.current, keys }, null, 2)}\n`;
}

/** Reads the key file, or undefined when it does not exist yet. Refuses symlinks, non-files and modes wider than 0600. */
async function readKeyFile(file: string): Promise<KeyFileContent | undefined> {
  let handle: fs.FileHandle;
  try {
    // SECURITY: O_NOFOLLOW plus fstat on the opened descriptor: the mode we check is the mode of the file we read.
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (cause) {
    if (errorCode(cause) === 'ENOENT') return undefined;
    if (errorCode(cause) === 'ELOOP')
      throw unavailable(`key file ${file} is a symbolic link; refusing to follow it`, cause);
    throw unavailable(`cannot open key file ${file}`, cause);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw unavailable(`key file ${file} is not a regular file`);
    const mode = stat.mode & 0o777;
    // SECURITY: fail closed when anyone but the owner may read or write the KEKs (as ssh does with private keys).
    if ((mode & 0o077) !== 0) {
      throw unavailable(
        `key file ${file} has mode 0${mode.toString(8)}; it must be 0600 or narrower (chmod 600 ${file})`,
      );
    }
    return parseKeyFile(file, await handle.readFile('utf8'));
  } finally {
    await handle.close();
  }
}

/** Writes `content` to a fresh 0600 temp file beside `file` and returns its path. */
async function writeTempFile(file: string, content: KeyFileContent): Promise<string> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(serialiseKeyFile(content), 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/** Creates the key file with one random KEK, unless another process created it first; then reads it. */
async function createKeyFile(file: string): Promise<KeyFileContent> {
  try {
    await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const temp = await writeTempFile(file, { current: 1, keys: new Map([[1, randomBytes(KEK_BYTES)]]) });
    try {
      // link() fails when the file exists, so two first starts cannot overwrite each other's keys.
      await fs.link(temp, file);
    } catch (cause) {
      if (errorCode(cause) !== 'EEXIST') throw cause;
    } finally {
      await fs.unlink(temp);
    }
  } catch (cause) {
    throw unavailable(`cannot create key file ${file}`, cause);
  }
  const content = await readKeyFile(file);
  if (!content) throw unavailable(`key file ${file} vanished while it was being created`);
  return content;
}

/** KEKs in a local JSON key file (mode 0600). Development only: the keys sit on the same disk as the data. */
class LocalKeyVault implements KeyVault {
  readonly kind = 'local';
  readonly #file: string;
  readonly #mutex = new Mutex();
  #content: KeyFileContent;
  readonly #macKeys = new Map<number, Buffer>();
  #closed = false;

  constructor(file: string, content: KeyFileContent) {
    this.#file = file;
    this.#content = content;
  }

  currentKekVersion(): number {
    return this.#content.current;
  }

  async wrap(dek: Buffer, aad: Buffer): Promise<WrappedKey> {
    const kekVersion = this.#content.current;
    const iv = randomBytes(GCM_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key(kekVersion), iv, { authTagLength: GCM_TAG_BYTES });
    cipher.setAAD(aad);
    const sealed = Buffer.concat([cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
    return { kekVersion, wrapped: formatWrappedKey({ iv, sealed }) };
  }

  async unwrap(wrapped: string, kekVersion: number, aad: Buffer): Promise<Buffer> {
    const { iv, sealed } = parseWrappedKey(wrapped);
    await this.#load(kekVersion);
    const decipher = createDecipheriv('aes-256-gcm', this.#key(kekVersion), iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new AppError('vault.decrypt_failed', { publicMessage: 'wrapped key failed authentication', cause });
    }
  }

  createKekVersion(): Promise<number> {
    return this.#mutex.run(async () => {
      this.#assertOpen();
      // Re-read first so a version added by another process on this machine is kept, not overwritten.
      const latest = (await readKeyFile(this.#file)) ?? this.#content;
      const version = Math.max(...latest.keys.keys()) + 1;
      const next: KeyFileContent = {
        current: version,
        keys: new Map([...latest.keys, [version, randomBytes(KEK_BYTES)]]),
      };
      try {
        const temp = await writeTempFile(this.#file, next);
        await fs.rename(temp, this.#file);
      } catch (cause) {
        throw unavailable(`cannot write key file ${this.#file}`, cause);
      }
      this.#content = next;
      return version;
    });
  }

  currentMacKeyId(): string {
    return `local:kek-${this.#content.current}:audit-mac`;
  }

  async mac(keyId: string, data: Buffer): Promise<Buffer> {
    const version = this.#macVersion(keyId);
    await this.#load(version);
    return createHmac('sha256', this.#macKey(version)).update(data).digest();
  }

  async verifyMac(keyId: string, data: Buffer, tag: Buffer): Promise<boolean> {
    const expected = await this.mac(keyId, data);
    return tag.length === expected.length && timingSafeEqual(tag, expected);
  }

  async close(): Promise<void> {
    await this.#mutex.run(async () => {
      if (this.#closed) return;
      this.#closed = true;
      for (const key of this.#macKeys.values()) key.fill(0);
      this.#macKeys.clear();
      for (const key of this.#content.keys.values()) key.fill(0);
      this.#content = { current: this.#content.current, keys: new Map() };
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw unavailable('the key vault is closed');
  }

  /** Makes sure `version` is loaded, re-reading the file when another process has added versions since we opened it. */
  async #load(version: number): Promise<void> {
    this.#assertOpen();
    if (this.#content.keys.has(version)) return;
    const latest = await readKeyFile(this.#file);
    if (latest?.keys.has(version)) this.#content = latest;
  }

  #macVersion(keyId: string): number {
    const match = MAC_KEY_ID.exec(keyId);
    if (!match)
      throw new AppError('vault.key_not_found', {
        publicMessage: `MAC key ${keyId} is not a key of the local key file`,
      });
    return Number(match[1]);
  }

  /** The HKDF-derived MAC key of KEK `version`, derived once and kept until close. Synchronous like #key. */
  #macKey(version: number): Buffer {
    const known = this.#macKeys.get(version);
    if (known) return known;
    const derived = Buffer.from(hkdfSync('sha256', this.#key(version), Buffer.alloc(0), MAC_INFO, 32));
    this.#macKeys.set(version, derived);
    return derived;
  }

  // INVARIANT: synchronous, and called in the same synchronous run that keys the cipher, so close() (which
  // zero-fills the keys) cannot land between the lookup and the use.
  /** The loaded KEK of `version`. */
  #key(version: number): Buffer {
    this.#assertOpen();
    const key = this.#content.keys.get(version);
    if (!key)
      throw new AppError('vault.key_not_found', {
        publicMessage: `key-encryption key version ${version} is not in the key file`,
      });
    return key;
  }
}

/** Opens (creating on first use, mode 0600 in a 0700 folder) the local key file vault at `keyFile`. */
export async function openLocalKeyVault(keyFile: string): Promise<KeyVault> {
  const content = (await readKeyFile(keyFile)) ?? (await createKeyFile(keyFile));
  return new LocalKeyVault(keyFile, content);
}
