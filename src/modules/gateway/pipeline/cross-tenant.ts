// A prompt that asks for another tenant's data is refused before the guard, policy or model see it. The check is a
// pure function of the text and the caller's own org: it never looks a named org up, so the answer (and the work
// done) is the same whether the named org exists or not.

// Any org-id-shaped token (a real id is 26 Crockford characters; near misses are refused all the same).
const ORG_ID = /\borg_[a-z0-9]{4,40}\b/gi;
const TENANT_NOUN = String.raw`(?:orgs?|organi[sz]ations?|tenants?|workspaces?)`;
// "all/every/other orgs", "across tenants", "cross-tenant", "join … tenants", "orgs other than mine".
const CROSS_TENANT_PHRASES: readonly RegExp[] = [
  new RegExp(String.raw`\b(?:all|every|each|other|another|any\s+other|different)\s+${TENANT_NOUN}\b`, 'i'),
  new RegExp(String.raw`\bacross\s+(?:all\s+)?(?:the\s+)?${TENANT_NOUN}\b`, 'i'),
  /\bcross[\s-]?(?:tenant|org|organi[sz]ation)s?\b/i,
  new RegExp(String.raw`\bjoin\b[^.\n]{0,60}\b${TENANT_NOUN}\b`, 'i'),
  new RegExp(String.raw`\b${TENANT_NOUN}\s+other\s+than\s+(?:mine|ours|my\s+own|our\s+own)\b`, 'i'),
];
// An org named explicitly: "org named acme", "tenant slug: globex", "organization id=foo", "org: acme", "tenant 'acme'".
const ORG_WORD = String.raw`\b(?:org|organi[sz]ation|tenant|workspace)`;
const SLUG = String.raw`([a-z0-9][a-z0-9-]{1,62})`;
const NAMED_ORG: readonly RegExp[] = [
  new RegExp(
    String.raw`${ORG_WORD}\s+(?:named|called|with\s+(?:the\s+)?(?:slug|id)|slug|id)\s*[:=]?\s*["'\x60]?${SLUG}`,
    'gi',
  ),
  new RegExp(String.raw`${ORG_WORD}\s*[:=]\s*["'\x60]?${SLUG}`, 'gi'),
  new RegExp(String.raw`${ORG_WORD}\s+["'\x60]${SLUG}["'\x60]`, 'gi'),
];
// Words that follow "org id" / "tenant:" in ordinary prose and are not slugs.
const NOT_A_SLUG = new Set([
  'is',
  'are',
  'was',
  'the',
  'a',
  'an',
  'of',
  'for',
  'in',
  'and',
  'or',
  'to',
  'my',
  'our',
  'org',
]);

/** What the caller's own org is known by (ids and slugs naming it are not cross-tenant). */
export interface OwnOrg {
  id: string;
  slug: string | null;
}

/** Why a prompt was judged cross-tenant (reason detail for the audit log, never the matched text). */
export type CrossTenantReason = 'names_other_org_id' | 'names_other_org_slug' | 'asks_across_tenants';

/** The reason `text` asks for another tenant's data, or null when it does not. */
export function findCrossTenantRequest(text: string, own: OwnOrg): CrossTenantReason | null {
  for (const match of text.matchAll(ORG_ID))
    if (match[0].toLowerCase() !== own.id.toLowerCase()) return 'names_other_org_id';
  for (const pattern of CROSS_TENANT_PHRASES) if (pattern.test(text)) return 'asks_across_tenants';
  for (const pattern of NAMED_ORG)
    for (const match of text.matchAll(pattern)) {
      const slug = match[1]?.toLowerCase();
      if (slug === undefined || NOT_A_SLUG.has(slug)) continue;
      if (own.slug !== null && slug === own.slug.toLowerCase()) continue;
      return 'names_other_org_slug';
    }
  return null;
}
