import type { UserId } from '../../lib/ids.js';
import type { PlatformSql } from '../../platform/db/index.js';
import type { UserFactors } from './identity.js';

/** Which factors a user has set up (a pending TOTP enrollment does not count; used recovery codes do not either). */
export async function selectUserFactors(sql: PlatformSql, userId: UserId): Promise<UserFactors> {
  const { rows } = await sql.query<{
    password: boolean;
    totp: boolean;
    passkeys: string | number;
    recovery_codes_left: string | number;
  }>(
    `SELECT EXISTS (SELECT 1 FROM user_passwords WHERE user_id = $1) AS password,
            EXISTS (SELECT 1 FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL) AS totp,
            (SELECT count(*) FROM user_passkeys WHERE user_id = $1 AND suspended_at IS NULL) AS passkeys,
            (SELECT count(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL) AS recovery_codes_left`,
    [userId],
  );
  const row = rows[0];
  return {
    password: row?.password === true,
    totp: row?.totp === true,
    passkeys: Number(row?.passkeys ?? 0),
    recoveryCodesLeft: Number(row?.recovery_codes_left ?? 0),
  };
}
