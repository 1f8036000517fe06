import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's SoftHSM2 PKCS#11 module. */
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

/**
 * Whether the HSM suite runs: where SoftHSM2 is installed, and always in CI (`CI_REQUIRE_SERVICES=1`, set by
 * `.ci/run`, which installs it), so a missing HSM fails CI instead of being skipped there.
 */
export const softHsmRequired = existsSync(SOFTHSM_MODULE) || process.env.CI_REQUIRE_SERVICES === '1';

/**
 * Creates an isolated SoftHSM2 token in a temporary folder and points this process at it. SoftHSM2 reads
 * SOFTHSM2_CONF when the module is initialised, so call this before opening a vault. Returns a cleanup.
 */
export function createSoftHsmToken(label: string, pin: string): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-softhsm-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf;
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', '0000', '--pin', pin], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    stdio: 'ignore',
  });
  return () => rmSync(dir, { recursive: true, force: true });
}
