import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { cliHarness } from './cli-harness.js';

describe(`bulwark keys rotate (${backendName})`, () => {
  const { open, close, cli, superuser, serveOnce } = cliHarness('keys');
  const signingKeys = async () =>
    (await superuser('SELECT kid FROM oidc_signing_keys ORDER BY signs_from')) as { kid: string }[];

  beforeAll(open);
  afterAll(close);

  it('creates a key that signs one token lifetime later, and a second call returns the waiting key', async () => {
    expect((await cli(['migrate'])).code).toBe(0);
    await serveOnce();
    const [first] = await signingKeys();
    const rotated = await cli(['keys', 'rotate', '--json']);
    expect(rotated.code).toBe(0);
    const key = JSON.parse(rotated.stdout) as { kid: string; signs_from: string; created: boolean };
    expect(key.created).toBe(true);
    expect(new Date(key.signs_from).getTime() - Date.now()).toBeGreaterThan(4 * 60_000);
    const again = JSON.parse((await cli(['keys', 'rotate', '--json'])).stdout) as { kid: string; created: boolean };
    expect(again).toMatchObject({ kid: key.kid, created: false });
    expect((await signingKeys()).map((k) => k.kid)).toEqual([first?.kid, key.kid]);
  }, 300_000);
});
