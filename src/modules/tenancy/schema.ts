import { z } from 'zod';

/** Org status: frozen orgs refuse mutating requests (disputes, security holds). */
export const orgStatusSchema = z.enum(['active', 'frozen']);

/** Input of org creation. */
export const createOrgSchema = z.object({
  name: z.string().trim().min(1).max(200).describe('Display name of the org.'),
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes, 2 to 63 characters')
    .describe('Unique, URL-safe handle of the org.'),
});

export type CreateOrgInput = z.infer<typeof createOrgSchema>;
export type OrgStatus = z.infer<typeof orgStatusSchema>;
