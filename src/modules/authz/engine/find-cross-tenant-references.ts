import type { PolicyToken } from './scan-policy-text.js';

/** A reference an org policy may not make, at a UTF-16 index of the policy text. */
export interface CrossTenantReference {
  message: string;
  start: number;
}

const ORG_ID = /org_[A-Za-z0-9]+/g;

/**
 * Finds what makes an org policy reach outside its org: the `Platform` type, an `Org::"…"` entity other than its
 * own, or another org's id anywhere in a string literal.
 */
export function findCrossTenantReferences(tokens: readonly PolicyToken[], orgId: string): CrossTenantReference[] {
  const found: CrossTenantReference[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i];
    if (token === undefined) continue;
    if (token.kind === 'identifier' && token.value === 'Platform') {
      found.push({ message: 'org policies may not reference the Platform', start: token.start });
    } else if (token.kind === 'identifier' && token.value === 'Org') {
      const path = tokens[i + 1];
      const id = tokens[i + 2];
      if (path?.kind === 'path' && id?.kind === 'string') {
        if (id.value !== orgId)
          found.push({
            message: `org policies may reference only their own org, not Org::"${id.value}"`,
            start: token.start,
          });
        i += 2;
      }
    } else if (token.kind === 'string') {
      for (const match of token.value.matchAll(ORG_ID)) {
        if (match[0] !== orgId) {
          found.push({ message: `org policies may not mention another org's id (${match[0]})`, start: token.start });
        }
      }
    }
  }
  return found;
}
