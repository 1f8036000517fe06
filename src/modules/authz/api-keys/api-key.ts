import type { ApiKeyId, OrgId } from '../../../lib/ids.js';
import type { Action } from '../actions.js';
import type { Role } from '../principal.js';
import type { KeyEnv } from './key-format.js';

/** Who a key acts for. */
export interface KeyOwner {
  type: 'user' | 'service_account';
  id: string;
}

/** An API key's metadata (never its secret). */
export interface ApiKey {
  orgId: OrgId;
  id: ApiKeyId;
  name: string;
  env: KeyEnv;
  owner: KeyOwner;
  role: Role;
  scopes: Action[];
  amr: string[];
  cidrs: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  rotatedFrom: ApiKeyId | null;
  createdAt: Date;
}
