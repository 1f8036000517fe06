import { createHmac, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError, type ErrorCode } from '../../lib/errors/index.js';
import { openLocalKeyVault } from './local-key-vault.js';
import { openKeyVault } from './open-key-vault.js';

const failsWith = (code: ErrorCode) => (e: unknown) => isAppError(e, code);

describe('local key vault', () => {
  let dir: string;
  const aad = Buffer.from('org_x/1');

  beforeAll(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'bulwark-vault-'));
  });
  afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

  it('creates the key file with mode 0600 in a 0700 folder on first use', async () => {
    const file = join(dir, 'fresh', 'vault.key');
    const vault = await openLocalKeyVault(file);
    expect(vault.kind).toBe('local');
    expect(vault.currentKekVersion()).toBe(1);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(join(dir, 'fresh'))).mode & 0o777).toBe(0o700);
    await vault.close();
  });

  it('wraps and unwraps a DEK, and rejects a wrong AAD, a tampered wrap and an unknown KEK version', async () => {
    const vault = await openLocalKeyVault(join(dir, 'round-trip.key'));
    const dek = randomBytes(32);
    const { kekVersion, wrapped } = await vault.wrap(dek, aad);
    expect(wrapped).toMatch(/^a256gcm\.[\w-]{16}\.[\w-]+$/);
    expect(wrapped).not.toContain(dek.toString('base64url'));
    expect(await vault.unwrap(wrapped, kekVersion, aad)).toEqual(dek);
    await expect(vault.unwrap(wrapped, kekVersion, Buffer.from('org_y/1'))).rejects.toSatisfy(
      failsWith('vault.decrypt_failed'),
    );
    // One character of the sealed part changed to another (every bit of a middle base64url character is data).
    const at = wrapped.length - 8;
    const tampered = `${wrapped.slice(0, at)}${wrapped[at] === 'A' ? 'B' : 'A'}${wrapped.slice(at + 1)}`;
    expect(tampered).not.toBe(wrapped);
    await expect(vault.unwrap(tampered, kekVersion, aad)).rejects.toSatisfy(failsWith('vault.decrypt_failed'));
    await expect(vault.unwrap('garbage', kekVersion, aad)).rejects.toSatisfy(failsWith('vault.decrypt_failed'));
    await expect(vault.unwrap(wrapped, 99, aad)).rejects.toSatisfy(failsWith('vault.key_not_found'));
    await vault.close();
    await expect(vault.wrap(dek, aad)).rejects.toSatisfy(failsWith('vault.unavailable'));
  });

  it('refuses a key file readable by group or others, naming the file and the mode', async () => {
    const file = join(dir, 'loose.key');
    await (await openLocalKeyVault(file)).close();
    await fs.chmod(file, 0o644);
    const error = await openLocalKeyVault(file).catch((e: unknown) => e);
    expect(isAppError(error, 'vault.unavailable')).toBe(true);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain('0644');
  });

  it('refuses a key file reached through a symbolic link', async () => {
    const target = join(dir, 'target.key');
    await (await openLocalKeyVault(target)).close();
    const link = join(dir, 'link.key');
    await fs.symlink(target, link);
    await expect(openLocalKeyVault(link)).rejects.toSatisfy(failsWith('vault.unavailable'));
  });

  it('refuses a corrupt key file', async () => {
    const file = join(dir, 'corrupt.key');
    await fs.writeFile(file, '{"format":"bulwark.local-kek.v1","current":2,"keys":{"1":"AAAA"}}', { mode: 0o600 });
    await expect(openLocalKeyVault(file)).rejects.toSatisfy(failsWith('vault.unavailable'));
  });

  it('adds KEK versions, keeps old ones for unwrapping, and another instance picks them up', async () => {
    const file = join(dir, 'rotating.key');
    const first = await openLocalKeyVault(file);
    const other = await openLocalKeyVault(file);
    const dek = randomBytes(32);
    const old = await first.wrap(dek, aad);
    expect(await first.createKekVersion()).toBe(2);
    expect(first.currentKekVersion()).toBe(2);
    const fresh = await first.wrap(dek, aad);
    expect(fresh.kekVersion).toBe(2);
    expect(await first.unwrap(old.wrapped, 1, aad)).toEqual(dek);
    expect(await other.unwrap(fresh.wrapped, 2, aad)).toEqual(dek);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const reopened = await openKeyVault({ vault: { kind: 'local', keyFile: file } });
    expect(reopened.kind).toBe('local');
    expect(reopened.currentKekVersion()).toBe(2);
    await Promise.all([first.close(), other.close(), reopened.close()]);
  });

  it('MACs with a key derived from the KEK for another purpose; verifies, rejects a changed input, tag or key id', async () => {
    const file = join(dir, 'mac.key');
    const vault = await openLocalKeyVault(file);
    const keyId = vault.currentMacKeyId();
    expect(keyId).toBe('local:kek-1:audit-mac');
    const data = Buffer.from('{"seq":10}');
    const tag = await vault.mac(keyId, data);
    expect(tag).toHaveLength(32);
    expect(await vault.mac(keyId, data)).toEqual(tag);
    // Not an HMAC under the KEK itself: the MAC key is a distinct, derived key.
    const kek = Buffer.from(
      (JSON.parse(await fs.readFile(file, 'utf8')) as { keys: Record<string, string> }).keys['1'] as string,
      'base64',
    );
    expect(createHmac('sha256', kek).update(data).digest()).not.toEqual(tag);
    expect(await vault.verifyMac(keyId, data, tag)).toBe(true);
    expect(await vault.verifyMac(keyId, Buffer.from('{"seq":11}'), tag)).toBe(false);
    expect(
      await vault.verifyMac(keyId, data, Buffer.concat([tag.subarray(0, 31), Buffer.from([tag[31] === 0 ? 1 : 0])])),
    ).toBe(false);
    expect(await vault.verifyMac(keyId, data, tag.subarray(0, 16))).toBe(false);
    await expect(vault.mac('local:kek-9:audit-mac', data)).rejects.toSatisfy(failsWith('vault.key_not_found'));
    await expect(vault.verifyMac('pkcs11:bulwark-kek-audit-mac-1', data, tag)).rejects.toSatisfy(
      failsWith('vault.key_not_found'),
    );
    // After a KEK rotation new tags use the new version's MAC key; old tags still verify.
    expect(await vault.createKekVersion()).toBe(2);
    expect(vault.currentMacKeyId()).toBe('local:kek-2:audit-mac');
    expect(await vault.mac('local:kek-2:audit-mac', data)).not.toEqual(tag);
    expect(await vault.verifyMac(keyId, data, tag)).toBe(true);
    await vault.close();
    await expect(vault.mac(keyId, data)).rejects.toSatisfy(failsWith('vault.unavailable'));
  });
});
