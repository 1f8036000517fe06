import type { OrgId } from '../../lib/ids.js';
import type { OrgStatus } from './schema.js';

/** A tenant. */
export interface Org {
  id: OrgId;
  name: string;
  slug: string;
  status: OrgStatus;
  createdAt: Date;
}
