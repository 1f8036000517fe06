import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../../../lib/clock.js';
import { bumpOrgGeneration } from '../../../platform/cache-generation/index.js';
import type { Db, PlatformSql } from '../../../platform/db/index.js';
import { selectClientOrg } from '../clients/client-repo.js';

/** Finds a stored client's metadata by its id (the OAuth clients of service accounts). */
export type ClientLookup = (clientId: string) => Promise<AdapterPayload | undefined>;

interface PayloadRow {
  payload: AdapterPayload;
  consumed_at: Date | string | null;
}

const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * oidc-provider's storage of one model (ClientCredentials, AccessToken, Grant, Session, Interaction, …) in the
 * oidc_payloads table, in the platform scope. The `Client` model is read from the service accounts' OAuth clients
 * instead and is never written (dynamic registration is off).
 */
export class PostgresAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly deps: { db: Db; clock: Clock; findClient: ClientLookup },
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    if (this.model === 'Client') throw new Error('clients are created through the service-account API');
    const now = this.deps.clock.now();
    const expiresAt = expiresIn ? new Date(now.getTime() + expiresIn * 1000) : null;
    await this.deps.db.withPlatform((sql) =>
      sql.query(
        `INSERT INTO oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (model, id) DO UPDATE
           SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code,
               uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
        [
          this.model,
          id,
          JSON.stringify(payload),
          payload.grantId ?? null,
          payload.userCode ?? null,
          payload.uid ?? null,
          expiresAt,
        ],
      ),
    );
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.model === 'Client') return this.deps.findClient(id);
    return this.findWhere('id = $2', id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid = $2', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code = $2', userCode);
  }

  async consume(id: string): Promise<void> {
    await this.deps.db.withPlatform((sql) =>
      sql.query('UPDATE oidc_payloads SET consumed_at = $3 WHERE model = $1 AND id = $2 AND consumed_at IS NULL', [
        this.model,
        id,
        this.deps.clock.now(),
      ]),
    );
  }

  async destroy(id: string): Promise<void> {
    await this.deps.db.withPlatform(async (sql) => {
      const { rows } = await sql.query<{ client_id: string | null }>(
        "DELETE FROM oidc_payloads WHERE model = $1 AND id = $2 RETURNING payload->>'clientId' AS client_id",
        [this.model, id],
      );
      const clientId = rows[0]?.client_id;
      if (this.model !== 'Grant' || !clientId) return;
      // SECURITY: the API caches a user token's principal under its org's generation; a revoked grant (logout, a
      // refresh token reused, a code replayed) must end its tokens on every node, so the bump commits with it.
      const orgId = await selectClientOrg(sql, clientId);
      if (orgId) await bumpOrgGeneration(await sql.enterTenant(orgId));
    });
  }

  // SECURITY: revoking a grant removes every object issued under it (all models), not only this model's rows.
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.deps.db.withPlatform((sql) => sql.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]));
  }

  // An expired row reads as absent even before the cleanup sweep deletes it.
  private async findWhere(condition: string, value: string): Promise<AdapterPayload | undefined> {
    const now = this.deps.clock.now();
    const { rows } = await this.deps.db.withPlatform((sql) =>
      sql.query<PayloadRow>(
        `SELECT payload, consumed_at FROM oidc_payloads
          WHERE model = $1 AND ${condition} AND (expires_at IS NULL OR expires_at > $3)`,
        [this.model, value, now],
      ),
    );
    const row = rows[0];
    if (!row) return undefined;
    return row.consumed_at ? { ...row.payload, consumed: epoch(new Date(row.consumed_at)) } : row.payload;
  }
}

/** Whether a grant still stands (not revoked, not expired): a user's access tokens end with their grant. */
export async function grantStands(sql: PlatformSql, grantId: string, now: Date): Promise<boolean> {
  const { rows } = await sql.query(
    "SELECT 1 FROM oidc_payloads WHERE model = 'Grant' AND id = $1 AND (expires_at IS NULL OR expires_at > $2)",
    [grantId, now],
  );
  return rows.length > 0;
}

/** The newest standing grant of a user to a client, if any. */
export async function findStandingGrantId(db: Db, userId: string, clientId: string, now: Date) {
  const { rows } = await db.withPlatform((sql) =>
    sql.query<{ id: string }>(
      `SELECT id FROM oidc_payloads
        WHERE model = 'Grant' AND payload->>'accountId' = $1 AND payload->>'clientId' = $2
          AND (expires_at IS NULL OR expires_at > $3)
        ORDER BY payload->>'iat' DESC LIMIT 1`,
      [userId, clientId, now],
    ),
  );
  return rows[0]?.id;
}

/** Deletes provider records that expired before `now`; returns how many. */
export async function deleteExpiredPayloads(db: Db, now: Date): Promise<number> {
  const { rowCount } = await db.withPlatform((sql) =>
    sql.query('DELETE FROM oidc_payloads WHERE expires_at <= $1', [now]),
  );
  return rowCount;
}
