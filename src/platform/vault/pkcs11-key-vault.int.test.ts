import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoftHsmToken, softHsmRequired, SOFTHSM_MODULE } from '../../../test/support/softhsm.js';
import { isAppError } from '../../lib/errors/index.js';
import { Secret } from '../../lib/secret.js';
import { openKeyVault } from './open-key-vault.js';
import { openPkcs11KeyVault, type Pkcs11Settings } from './pkcs11-key-vault.js';

const SOFTHSM = SOFTHSM_MODULE;
const TOKEN = 'bulwark-test';
const PIN = '1234';

// Skipped only on a machine without SoftHSM2; never in CI, where a missing HSM fails the run (see softhsm.ts).
describe.skipIf(!softHsmRequired)(`pkcs11 key vault (SoftHSM2 at ${SOFTHSM})`, () => {
  let removeToken: () => void;
  const settings: Pkcs11Settings = {
    module: SOFTHSM,
    tokenLabel: TOKEN,
    pin: new Secret(PIN),
    keyLabel: 'bulwark-kek',
  };
  const aad = Buffer.from('org_x/1');

  beforeAll(() => {
    removeToken = createSoftHsmToken(TOKEN, PIN);
  });
  afterAll(() => removeToken());

  it('creates KEK version 1 in the token and round-trips a DEK with AES-GCM; a wrong AAD fails', async () => {
    const vault = await openPkcs11KeyVault(settings);
    try {
      expect(vault.kind).toBe('pkcs11');
      expect(vault.currentKekVersion()).toBe(1);
      const dek = randomBytes(32);
      const { kekVersion, wrapped } = await vault.wrap(dek, aad);
      expect(kekVersion).toBe(1);
      expect(await vault.unwrap(wrapped, 1, aad)).toEqual(dek);
      await expect(vault.unwrap(wrapped, 1, Buffer.from('org_y/1'))).rejects.toSatisfy((e: unknown) =>
        isAppError(e, 'vault.decrypt_failed'),
      );
      await expect(vault.unwrap(wrapped, 7, aad)).rejects.toSatisfy((e: unknown) =>
        isAppError(e, 'vault.key_not_found'),
      );
      // The session is still usable after a failed operation, and concurrent calls are serialised.
      const deks = Array.from({ length: 8 }, () => randomBytes(32));
      const wraps = await Promise.all(deks.map((d) => vault.wrap(d, aad)));
      expect(await Promise.all(wraps.map((w) => vault.unwrap(w.wrapped, w.kekVersion, aad)))).toEqual(deks);
    } finally {
      await vault.close();
    }
  });

  it('keeps the KEK inside the token: sensitive, non-extractable, CKA_VALUE unreadable', async () => {
    const { default: p11 } = await import('pkcs11js');
    const lib = new p11.PKCS11();
    lib.load(SOFTHSM);
    lib.C_Initialize();
    try {
      const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === TOKEN);
      if (!slot) throw new Error('token not found');
      const session = lib.C_OpenSession(slot, p11.CKF_SERIAL_SESSION);
      lib.C_Login(session, p11.CKU_USER, PIN);
      lib.C_FindObjectsInit(session, [{ type: p11.CKA_LABEL, value: 'bulwark-kek-1' }]);
      const handles = lib.C_FindObjects(session, 10);
      lib.C_FindObjectsFinal(session);
      expect(handles).toHaveLength(1);
      const key = handles[0] as Buffer;
      const [extractable, sensitive, token] = lib.C_GetAttributeValue(session, key, [
        { type: p11.CKA_EXTRACTABLE },
        { type: p11.CKA_SENSITIVE },
        { type: p11.CKA_TOKEN },
      ]);
      expect(extractable?.value[0]).toBe(0);
      expect(sensitive?.value[0]).toBe(1);
      expect(token?.value[0]).toBe(1);
      expect(() => lib.C_GetAttributeValue(session, key, [{ type: p11.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
    } finally {
      lib.C_Finalize();
      lib.close();
    }
  });

  it('rotation creates bulwark-kek-2; DEKs wrapped under version 1 still unwrap, also after reopening', async () => {
    const dek = randomBytes(32);
    const vault = await openPkcs11KeyVault(settings);
    let old: { kekVersion: number; wrapped: string };
    try {
      old = await vault.wrap(dek, aad);
      expect(old.kekVersion).toBe(1);
      expect(await vault.createKekVersion()).toBe(2);
      expect(vault.currentKekVersion()).toBe(2);
      expect((await vault.wrap(dek, aad)).kekVersion).toBe(2);
      expect(await vault.unwrap(old.wrapped, 1, aad)).toEqual(dek);
    } finally {
      await vault.close();
    }
    const reopened = await openKeyVault({ vault: { kind: 'pkcs11', keyFile: 'unused', pkcs11: settings } });
    try {
      expect(reopened.currentKekVersion()).toBe(2);
      expect(await reopened.unwrap(old.wrapped, 1, aad)).toEqual(dek);
    } finally {
      await reopened.close();
    }
  });

  it('MACs checkpoints with CKM_SHA256_HMAC under a non-extractable generic secret that survives reopening', async () => {
    const data = Buffer.from('{"seq":1000}');
    const vault = await openPkcs11KeyVault(settings);
    let tag: Buffer;
    try {
      const keyId = vault.currentMacKeyId();
      expect(keyId).toBe('pkcs11:bulwark-kek-audit-mac-1');
      tag = await vault.mac(keyId, data);
      expect(tag).toHaveLength(32);
      expect(await vault.verifyMac(keyId, data, tag)).toBe(true);
      expect(await vault.verifyMac(keyId, Buffer.from('{"seq":1001}'), tag)).toBe(false);
      expect(await vault.verifyMac(keyId, data, Buffer.alloc(32))).toBe(false);
      await expect(vault.mac('local:kek-1:audit-mac', data)).rejects.toSatisfy((e: unknown) =>
        isAppError(e, 'vault.key_not_found'),
      );
      // The MAC key is not mistaken for a KEK, and KEK operations still work beside it.
      expect(vault.currentKekVersion()).toBe(2);
      const wrapped = await vault.wrap(data, aad);
      expect(await vault.unwrap(wrapped.wrapped, wrapped.kekVersion, aad)).toEqual(data);
    } finally {
      await vault.close();
    }
    const reopened = await openPkcs11KeyVault(settings);
    try {
      expect(await reopened.verifyMac(reopened.currentMacKeyId(), data, tag)).toBe(true);
    } finally {
      await reopened.close();
    }
    const { default: p11 } = await import('pkcs11js');
    const lib = new p11.PKCS11();
    lib.load(SOFTHSM);
    lib.C_Initialize();
    try {
      const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === TOKEN);
      if (!slot) throw new Error('token not found');
      const session = lib.C_OpenSession(slot, p11.CKF_SERIAL_SESSION);
      lib.C_Login(session, p11.CKU_USER, PIN);
      lib.C_FindObjectsInit(session, [{ type: p11.CKA_LABEL, value: 'bulwark-kek-audit-mac-1' }]);
      const handles = lib.C_FindObjects(session, 10);
      lib.C_FindObjectsFinal(session);
      expect(handles).toHaveLength(1);
      const key = handles[0] as Buffer;
      const [extractable, sensitive, keyType] = lib.C_GetAttributeValue(session, key, [
        { type: p11.CKA_EXTRACTABLE },
        { type: p11.CKA_SENSITIVE },
        { type: p11.CKA_KEY_TYPE },
      ]);
      expect(extractable?.value[0]).toBe(0);
      expect(sensitive?.value[0]).toBe(1);
      expect(keyType?.value.readUInt32LE(0)).toBe(p11.CKK_GENERIC_SECRET);
      expect(() => lib.C_GetAttributeValue(session, key, [{ type: p11.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
    } finally {
      lib.C_Finalize();
      lib.close();
    }
  });

  it('fails closed with vault.unavailable on a wrong PIN or an unknown token', async () => {
    await expect(openPkcs11KeyVault({ ...settings, pin: new Secret('9999') })).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'vault.unavailable'),
    );
    await expect(openPkcs11KeyVault({ ...settings, tokenLabel: 'nope' })).rejects.toSatisfy((e: unknown) =>
      isAppError(e, 'vault.unavailable'),
    );
  });
});
