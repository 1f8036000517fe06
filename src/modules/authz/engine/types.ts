import type { ErrorCode } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';

/** The resource types of the Cedar schema. */
export const resourceTypes = [
  'Platform',
  'Org',
  'Project',
  'Model',
  'Prompt',
  'Document',
  'PolicySet',
  'ApiKey',
  'Invoice',
  'AuditLog',
  'Member',
  'ServiceAccount',
  'QuarantineItem',
  'User',
] as const;

/** A resource type of the Cedar schema. */
export type ResourceType = (typeof resourceTypes)[number];

/** Attributes of a resource used by attribute conditions; only these reach Cedar. */
export interface ResourceAttributes {
  region?: string;
  project?: string;
  /** The user, service account or API key the resource belongs to. */
  ownerId?: string;
  classification?: 'public' | 'internal' | 'confidential' | 'restricted';
}

/** What is acted on. */
export interface ResourceDescriptor {
  type: ResourceType;
  id: string;
  /** The org the resource belongs to. Ignored for `Org` (its own id) and `Platform` (always the platform org). */
  orgId: OrgId;
  attributes?: ResourceAttributes;
}

/** A value a request context may carry: primitives and sets of primitives. Numbers must be safe integers. */
export type ContextValue = string | number | boolean | readonly string[] | readonly number[] | readonly boolean[];

/**
 * Facts about the request. `amr` defaults to the principal's; `ip` becomes a Cedar `ipaddr` and `now`
 * (RFC 3339) a Cedar `datetime`; other keys pass through as they are.
 */
export interface DecisionContext {
  amr?: readonly string[];
  ip?: string;
  now?: string;
  [key: string]: ContextValue | undefined;
}

/** The outcome of decide(): the decision, the deciding policy ids or reason codes, and evaluation errors. */
export interface Decision {
  readonly decision: 'allow' | 'deny';
  readonly reasons: readonly string[];
  readonly errors: readonly string[];
}

/** Raised when a policy fails to evaluate or the engine fails; the decision is a deny. */
export interface AuthzAlert {
  code: 'authz.policy_error';
  orgId: OrgId;
  principalId: string;
  action: string;
  resource: { type: string; id: string };
  errors: readonly string[];
}

/** One problem in a policy text, at a 1-based line and column. */
export interface PolicyIssue {
  code: Extract<ErrorCode, 'authz.policy_invalid' | 'authz.cross_tenant_policy'>;
  message: string;
  line: number;
  column: number;
}

/** A policy of a validated org policy set. */
export interface OrgPolicySummary {
  /** The policy's `@id` annotation, or `policy<N>` (its position) when it has none. */
  id: string;
  effect: 'permit' | 'forbid';
}

/** The result of validating an org's policy text. */
export type OrgPolicyValidation = { ok: true; policies: OrgPolicySummary[] } | { ok: false; errors: PolicyIssue[] };
