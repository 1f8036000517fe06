import type { DetailedError, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { AppError } from '../../../lib/errors/index.js';
import { checkPolicyTextBounds } from './bound-policy-text.js';
import { isInstanceFailure, withValidationInstance, type CedarModule } from './cedar-instance.js';
import { findCrossTenantReferences } from './find-cross-tenant-references.js';
import { scanPolicyText, type PolicyChunk } from './scan-policy-text.js';
import { indexOfByteOffset, positionAtIndex } from './source-position.js';
import type { OrgPolicySummary, OrgPolicyValidation, PolicyIssue } from './types.js';

/** The actions a permit's action scope covers: all of them, or a list. */
export type ActionCoverage = { all: true } | { all: false; actions: ReadonlySet<string> };

/** A validated org policy, ready to load. */
export interface ParsedOrgPolicy extends OrgPolicySummary {
  text: string;
  coverage: ActionCoverage;
}

/** A validated org policy set, or what is wrong with it. */
export type OrgPolicyAnalysis =
  { ok: true; policies: ParsedOrgPolicy[]; readsNow: boolean } | { ok: false; errors: PolicyIssue[] };

export { MAX_ORG_POLICY_BYTES } from './bound-policy-text.js';
/** Most policies an org may have. */
export const MAX_ORG_POLICIES = 1000;

const POLICY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function issueAt(
  text: string,
  index: number,
  message: string,
  code: PolicyIssue['code'] = 'authz.policy_invalid',
): PolicyIssue {
  return { code, message, ...positionAtIndex(text, index) };
}

function describe(error: DetailedError): string {
  return error.help ? `${error.message} (${error.help})` : error.message;
}

/** Maps a Cedar error to an issue; `base` is where the text Cedar saw starts inside `text`. */
function cedarIssue(text: string, error: DetailedError, fallback: number, base = 0): PolicyIssue {
  const location = error.sourceLocations?.[0];
  if (location === undefined) return issueAt(text, fallback, describe(error));
  const index = base + indexOfByteOffset(text.slice(base), location.start);
  return issueAt(text, index, describe(error));
}

function coverageOf(json: PolicyJson): ActionCoverage {
  const scope = json.action;
  if (scope.op === 'All') return { all: true };
  // A slot (`?action`) cannot occur: templates are rejected before coverage is computed.
  if (scope.op === '==')
    return 'entity' in scope ? { all: false, actions: new Set([idOf(scope.entity)]) } : { all: true };
  const entities = 'entities' in scope ? scope.entities : [scope.entity];
  return { all: false, actions: new Set(entities.map(idOf)) };
}

function idOf(uid: { __entity: { id: string } } | { id: string }): string {
  return '__entity' in uid ? uid.__entity.id : uid.id;
}

function parseChunk(
  cedar: CedarModule,
  text: string,
  chunk: PolicyChunk,
  index: number,
): { policy: ParsedOrgPolicy } | { issue: PolicyIssue } {
  const answer = cedar.policyToJson(chunk.text);
  if (answer.type === 'failure') {
    const first = answer.errors[0];
    return {
      issue:
        first === undefined
          ? issueAt(text, chunk.start, 'not a valid static policy')
          : cedarIssue(text, first, chunk.start, chunk.start),
    };
  }
  const id = answer.json.annotations?.['id'] ?? `policy${index}`;
  if (!POLICY_ID.test(id)) {
    return { issue: issueAt(text, chunk.start, `@id "${id}" must be 1-128 letters, digits, '.', '_', ':' or '-'`) };
  }
  return { policy: { id, effect: answer.json.effect, text: chunk.text, coverage: coverageOf(answer.json) } };
}

/**
 * Validates an org's policy text against the schema (strict mode) and the tenant rules, and parses it into
 * policies the engine can load. Errors carry 1-based line and column. The text is bounded (size, nesting) before
 * Cedar sees it, and Cedar runs on the validation instance, never on one that decides. Throws `http.bad_request`
 * for text with a NUL or an unpaired surrogate.
 */
export function analyseOrgPolicies(text: string, orgId: string, schema: string): OrgPolicyAnalysis {
  const violation = checkPolicyTextBounds(text);
  if (violation?.malformed === true) {
    throw new AppError('http.bad_request', {
      publicMessage: `text: ${violation.message}`,
      details: {
        issues: [{ path: 'text', message: violation.message, line: violation.line, column: violation.column }],
      },
    });
  }
  if (violation !== undefined)
    return {
      ok: false,
      errors: [
        { code: 'authz.policy_invalid', message: violation.message, line: violation.line, column: violation.column },
      ],
    };
  try {
    return withValidationInstance((cedar) => analyseBounded(cedar, text, orgId, schema));
  } catch (error) {
    if (!isInstanceFailure(error)) throw error;
    // The validation instance trapped (and was replaced); the decision instance never saw this text.
    return { ok: false, errors: [issueAt(text, 0, 'policy text is too complex to validate; simplify it')] };
  }
}

function analyseBounded(cedar: CedarModule, text: string, orgId: string, schema: string): OrgPolicyAnalysis {
  const { tokens, chunks } = scanPolicyText(text);
  const errors: PolicyIssue[] = findCrossTenantReferences(tokens, orgId).map((ref) =>
    issueAt(text, ref.start, ref.message, 'authz.cross_tenant_policy'),
  );

  const validation = cedar.validate({
    schema,
    policies: { staticPolicies: text },
    validationSettings: { mode: 'strict' },
  });
  if (validation.type === 'failure') {
    errors.push(...validation.errors.map((error) => cedarIssue(text, error, 0)));
    return { ok: false, errors: sortIssues(errors) };
  }
  for (const { policyId, error } of validation.validationErrors) {
    const chunk = chunks[Number(policyId.replace(/^policy/, ''))];
    errors.push(cedarIssue(text, error, chunk?.start ?? 0));
  }
  if (chunks.length > MAX_ORG_POLICIES) errors.push(issueAt(text, 0, `at most ${MAX_ORG_POLICIES} policies per org`));

  const policies: ParsedOrgPolicy[] = [];
  const seen = new Set<string>();
  chunks.forEach((chunk, index) => {
    const parsed = parseChunk(cedar, text, chunk, index);
    if ('issue' in parsed) {
      errors.push(parsed.issue);
    } else if (seen.has(parsed.policy.id)) {
      errors.push(issueAt(text, chunk.start, `duplicate @id "${parsed.policy.id}"`));
    } else {
      seen.add(parsed.policy.id);
      policies.push(parsed.policy);
    }
  });
  if (errors.length > 0) return { ok: false, errors: sortIssues(errors) };
  const readsNow = tokens.some((token) => token.kind === 'identifier' && token.value === 'now');
  return { ok: true, policies, readsNow };
}

function sortIssues(issues: PolicyIssue[]): PolicyIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Validates an org's policy text: schema (strict), syntax, unique ids, and that it stays inside `orgId`. */
export function validateOrgPolicies(text: string, orgId: string, schema: string): OrgPolicyValidation {
  const analysis = analyseOrgPolicies(text, orgId, schema);
  if (!analysis.ok) return analysis;
  return { ok: true, policies: analysis.policies.map(({ id, effect }) => ({ id, effect })) };
}
