import { randomBytes } from 'node:crypto';
import type { Clock } from '../../../lib/clock.js';
import type { Db } from '../../../platform/db/index.js';
import type { SignInMethod } from './sign-in-methods.js';

/**
 * How far one interaction's sign-in has come. Kept apart from the provider's interaction result on purpose: the
 * provider treats a `login` result as a finished sign-in, so nothing is written there until every step is done.
 */
export interface SignInProgress {
  uid: string;
  /** Echoed by every form of the interaction (with the interaction cookie, which only our pages can send). */
  csrf: string;
  /** Set once the password checked out. */
  userId?: string;
  /** The methods done so far. */
  amr: SignInMethod[];
  /** The WebAuthn challenge of the ceremony on the page now shown; used once. */
  challenge?: string;
  /** The user chose to go on without registering the passkey their roles need (and so without those roles). */
  skippedPasskey?: boolean;
}

const MODEL = 'SignInProgress';

/** The sign-in progress of interactions, in the provider's table, expiring with the interaction. */
export class SignInProgressStore {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  /** The progress of `uid`, started (with a fresh CSRF token) when there is none yet. */
  async load(uid: string, expiresAt: Date): Promise<SignInProgress> {
    const found = await this.deps.db.withPlatform((sql) =>
      sql.query<{ payload: SignInProgress }>(
        'SELECT payload FROM oidc_payloads WHERE model = $1 AND id = $2 AND expires_at > $3',
        [MODEL, uid, this.deps.clock.now()],
      ),
    );
    const existing = found.rows[0]?.payload;
    if (existing) return existing;
    const fresh: SignInProgress = { uid, csrf: randomBytes(32).toString('base64url'), amr: [] };
    await this.save(fresh, expiresAt);
    return fresh;
  }

  /** Stores the progress until the interaction expires. */
  async save(progress: SignInProgress, expiresAt: Date): Promise<void> {
    await this.deps.db.withPlatform((sql) =>
      sql.query(
        `INSERT INTO oidc_payloads (model, id, payload, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at`,
        [MODEL, progress.uid, JSON.stringify(progress), expiresAt],
      ),
    );
  }

  /** Forgets the progress once the sign-in finished or failed. */
  async end(uid: string): Promise<void> {
    await this.deps.db.withPlatform((sql) =>
      sql.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [MODEL, uid]),
    );
  }
}
