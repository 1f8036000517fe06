// Table-driven decision cases for the built-in policies and the org-policy semantics.
// Each case: principal, action, resource, context (and optionally the org policy set of org_acme) ->
// the expected decision, its deciding policy ids or reason codes, and whether an alert is raised.
import type { OrgId } from '../../src/lib/ids.js';
import type { Action } from '../../src/modules/authz/actions.js';
import type { DecisionContext, ResourceDescriptor, ResourceType } from '../../src/modules/authz/engine/types.js';
import type { Principal, Role } from '../../src/modules/authz/principal.js';

export const ACME = 'org_acme' as OrgId;
export const GLOBEX = 'org_globex' as OrgId;
export const PLATFORM = 'org_platform' as OrgId;

export interface DecisionCase {
  name: string;
  principal: Principal;
  action: Action;
  resource: ResourceDescriptor;
  context?: DecisionContext;
  /** Policy text loaded as org_acme's policy set before deciding (none when absent). */
  orgPolicies?: string;
  expect: { decision: 'allow' | 'deny'; reasons: string[]; alert?: boolean };
}

const HWK: DecisionContext = { amr: ['pwd', 'hwk'] };

function user(roles: Role[], extra: Partial<Principal> = {}): Principal {
  return { kind: 'user', id: 'usr_alice', orgId: ACME, roles, attributes: {}, amr: ['pwd', 'otp'], ...extra };
}
function serviceAccount(extra: Partial<Principal> = {}): Principal {
  return { kind: 'service_account', id: 'svc_app', orgId: ACME, roles: ['service'], attributes: {}, amr: [], ...extra };
}
function apiKey(roles: Role[], scopes: Action[] | undefined, extra: Partial<Principal> = {}): Principal {
  return {
    kind: 'api_key',
    id: 'key_ci',
    orgId: ACME,
    roles,
    attributes: {},
    amr: ['key'],
    ownerId: 'usr_alice',
    ...(scopes ? { scopes } : {}),
    ...extra,
  };
}
function res(type: ResourceType, extra: Partial<ResourceDescriptor> = {}): ResourceDescriptor {
  return { type, id: `${type.toLowerCase()}_1`, orgId: ACME, ...extra };
}
const allow = (...reasons: string[]) => ({ decision: 'allow' as const, reasons });
const deny = (...reasons: string[]) => ({ decision: 'deny' as const, reasons });
const DEFAULT_DENY = deny('authz.default_deny');
const HWK_REQUIRED = deny('mfa.hardware-key-required');
const analyst = user(['analyst'], { id: 'usr_ana', attributes: { region: 'eu', projects: ['p_alpha', 'p_gamma'] } });
const pii = (region: string | undefined, project: string | undefined) =>
  res('Document', { attributes: { ...(region ? { region } : {}), ...(project ? { project } : {}) } });

const ORG_DOCUMENTS_EU_ONLY = `
@id("developers-read-eu-documents-only")
forbid (principal in Role::"developer", action == Action::"read:documents", resource is Document)
unless { resource has region && resource.region == "eu" };`;

const ORG_MFA_FOR_INVOKE = `
// Inference needs a second factor in this org.
@id("invoke-needs-mfa")
forbid (principal, action == Action::"invoke:models", resource)
unless { context.amr.contains("otp") || context.amr.contains("hwk") };
`;
const ORG_PII_FROM_OFFICE = `
@id("pii-only-from-office")
permit (principal, action == Action::"read:pii", resource)
when { context has ip && context.ip.isInRange(ip("10.0.0.0/8")) };
`;
const ORG_RISK = `
@id("block-risky")
forbid (principal, action, resource)
when { context has riskScore && context.riskScore > 80 };
`;
const ORG_OVERFLOW = `
@id("risk-weighted")
forbid (principal, action, resource)
when { context has riskScore && context.riskScore * 100000000000000000 > 1000000000000000000 };
`;
const ORG_EVERYTHING = `
@id("everyone-everything")
permit (principal, action, resource);
`;
const ORG_WIDEN_KEYS = `
@id("viewers-manage-keys")
permit (principal in Role::"viewer", action == Action::"manage:keys", resource);
`;
const ORG_NIGHT = `
@id("no-inference-at-night")
forbid (principal, action == Action::"invoke:models", resource)
when { context has now && context.now.toTime() < duration("6h") };
`;

const ORG_PII_EU_ONLY = `
// Analysts may send PII only to models hosted in their own region.
@id("analyst-pii-own-region")
forbid (principal in Role::"analyst", action == Action::"invoke:models", resource)
when { context has dataKinds && context.dataKinds.contains("pii") }
unless { principal has region && context has modelRegion && context.modelRegion == principal.region };
`;

const ORG_PASSKEY_FOR_EVERYONE = `
@id("passkey-for-everyone")
forbid (principal is User, action, resource) unless { context.amr.contains("hwk") };
`;

export const cases: DecisionCase[] = [
  // owner
  {
    name: 'owner reads models',
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model'),
    expect: allow('role.owner'),
  },
  {
    name: 'owner manages members with a hardware key',
    principal: user(['owner']),
    action: 'manage:members',
    resource: res('Org', { id: ACME }),
    context: HWK,
    expect: allow('role.owner'),
  },
  {
    name: 'owner manages members without a hardware key',
    principal: user(['owner']),
    action: 'manage:members',
    resource: res('Org', { id: ACME }),
    expect: HWK_REQUIRED,
  },
  {
    name: 'owner pays',
    principal: user(['owner']),
    action: 'bill:payments',
    resource: res('Invoice'),
    expect: allow('role.owner'),
  },
  {
    name: 'owner transfers the org with a hardware key',
    principal: user(['owner']),
    action: 'transfer:org',
    resource: res('Org', { id: ACME }),
    context: HWK,
    expect: allow('role.owner'),
  },
  {
    name: 'owner reads pii without ABAC conditions',
    principal: user(['owner']),
    action: 'read:pii',
    resource: pii('us', 'p_x'),
    expect: allow('role.owner'),
  },
  {
    name: 'owner amr from context overrides the principal amr',
    principal: user(['owner'], { amr: ['pwd', 'hwk'] }),
    action: 'manage:org',
    resource: res('Org', { id: ACME }),
    context: { amr: ['pwd'] },
    expect: HWK_REQUIRED,
  },
  {
    name: 'owner amr defaults to the principal amr',
    principal: user(['owner'], { amr: ['pwd', 'hwk'] }),
    action: 'manage:org',
    resource: res('Org', { id: ACME }),
    expect: allow('role.owner'),
  },

  // admin
  {
    name: 'admin manages keys with a hardware key',
    principal: user(['admin']),
    action: 'manage:keys',
    resource: res('ApiKey', { id: 'key_x' }),
    context: HWK,
    expect: allow('role.admin'),
  },
  {
    name: 'admin manages policies with a hardware key',
    principal: user(['admin']),
    action: 'manage:policies',
    resource: res('PolicySet'),
    context: HWK,
    expect: allow('role.admin'),
  },
  {
    name: 'admin cannot pay',
    principal: user(['admin']),
    action: 'bill:payments',
    resource: res('Invoice'),
    expect: deny('billing.payments-finance-only'),
  },
  {
    name: 'admin cannot transfer the org',
    principal: user(['admin']),
    action: 'transfer:org',
    resource: res('Org', { id: ACME }),
    context: HWK,
    expect: deny('org.transfer-owners-only'),
  },
  {
    name: 'admin reads billing',
    principal: user(['admin']),
    action: 'read:billing',
    resource: res('Invoice'),
    expect: allow('role.admin'),
  },
  {
    name: 'admin exports audit with a software key only',
    principal: user(['admin']),
    action: 'export:audit',
    resource: res('AuditLog'),
    context: { amr: ['pwd', 'otp', 'swk'] },
    expect: HWK_REQUIRED,
  },

  // security
  {
    name: 'security reads audit',
    principal: user(['security']),
    action: 'read:audit',
    resource: res('AuditLog'),
    expect: allow('role.security'),
  },
  {
    name: 'security exports audit with a hardware key',
    principal: user(['security']),
    action: 'export:audit',
    resource: res('AuditLog'),
    context: HWK,
    expect: allow('role.security'),
  },
  {
    name: 'security reviews quarantine',
    principal: user(['security']),
    action: 'review:quarantine',
    resource: res('QuarantineItem'),
    expect: allow('role.security'),
  },
  {
    name: 'security revokes keys with a hardware key',
    principal: user(['security']),
    action: 'manage:keys',
    resource: res('ApiKey', { id: 'key_x' }),
    context: HWK,
    expect: allow('role.security'),
  },
  {
    name: 'security cannot manage members',
    principal: user(['security']),
    action: 'manage:members',
    resource: res('Member'),
    context: HWK,
    expect: DEFAULT_DENY,
  },
  {
    name: 'security cannot read billing',
    principal: user(['security']),
    action: 'read:billing',
    resource: res('Invoice'),
    expect: DEFAULT_DENY,
  },

  // finance
  {
    name: 'finance pays',
    principal: user(['finance']),
    action: 'bill:payments',
    resource: res('Invoice'),
    expect: allow('role.finance'),
  },
  {
    name: 'finance reads billing',
    principal: user(['finance']),
    action: 'read:billing',
    resource: res('Org', { id: ACME }),
    expect: allow('role.finance'),
  },
  {
    name: 'finance reads members',
    principal: user(['finance']),
    action: 'read:members',
    resource: res('Member'),
    expect: allow('role.finance'),
  },
  {
    name: 'finance cannot invoke models',
    principal: user(['finance']),
    action: 'invoke:models',
    resource: res('Model'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'finance cannot read audit',
    principal: user(['finance']),
    action: 'read:audit',
    resource: res('AuditLog'),
    expect: DEFAULT_DENY,
  },

  // developer
  {
    name: 'developer invokes models',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'invoke:models',
    resource: res('Model'),
    expect: allow('role.developer'),
  },
  {
    name: 'developer writes prompts',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'write:prompts',
    resource: res('Prompt'),
    expect: allow('role.developer'),
  },
  {
    name: 'developer writes documents',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'write:documents',
    resource: res('Document'),
    expect: allow('role.developer'),
  },
  {
    name: 'developer reads own key',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'read:keys',
    resource: res('ApiKey', { id: 'key_dev', attributes: { ownerId: 'usr_dev' } }),
    expect: allow('role.developer.own-keys'),
  },
  {
    name: 'developer revokes own key with a hardware key',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'manage:keys',
    resource: res('ApiKey', { id: 'key_dev', attributes: { ownerId: 'usr_dev' } }),
    context: HWK,
    expect: allow('role.developer.own-keys'),
  },
  {
    name: 'developer revokes own key without a hardware key',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'manage:keys',
    resource: res('ApiKey', { id: 'key_dev', attributes: { ownerId: 'usr_dev' } }),
    expect: HWK_REQUIRED,
  },
  {
    name: "developer cannot read another user's key",
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'read:keys',
    resource: res('ApiKey', { id: 'key_bob', attributes: { ownerId: 'usr_bob' } }),
    expect: DEFAULT_DENY,
  },
  {
    name: 'developer cannot read pii',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'read:pii',
    resource: pii('eu', 'p_alpha'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'developer cannot manage models',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'manage:models',
    resource: res('Model'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'developer cannot read audit',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'read:audit',
    resource: res('AuditLog'),
    expect: DEFAULT_DENY,
  },

  // analyst and the ABAC rule
  {
    name: 'analyst reads documents',
    principal: analyst,
    action: 'read:documents',
    resource: res('Document'),
    expect: allow('role.analyst'),
  },
  {
    name: 'analyst reads pii: region and project match',
    principal: analyst,
    action: 'read:pii',
    resource: pii('eu', 'p_alpha'),
    expect: allow('role.analyst.read-pii-own-region-and-project'),
  },
  {
    name: 'analyst reads pii: second assigned project',
    principal: analyst,
    action: 'read:pii',
    resource: pii('eu', 'p_gamma'),
    expect: allow('role.analyst.read-pii-own-region-and-project'),
  },
  {
    name: 'analyst reads pii: region mismatch',
    principal: analyst,
    action: 'read:pii',
    resource: pii('us', 'p_alpha'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'analyst reads pii: project mismatch',
    principal: analyst,
    action: 'read:pii',
    resource: pii('eu', 'p_beta'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'analyst reads pii: both mismatch',
    principal: analyst,
    action: 'read:pii',
    resource: pii('us', 'p_beta'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'analyst reads pii: resource without region',
    principal: analyst,
    action: 'read:pii',
    resource: pii(undefined, 'p_alpha'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'analyst reads pii: resource without project',
    principal: analyst,
    action: 'read:pii',
    resource: pii('eu', undefined),
    expect: DEFAULT_DENY,
  },
  {
    name: 'analyst reads pii: analyst without region',
    principal: user(['analyst'], { attributes: { projects: ['p_alpha'] } }),
    action: 'read:pii',
    resource: pii('eu', 'p_alpha'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'analyst cannot write documents',
    principal: analyst,
    action: 'write:documents',
    resource: res('Document'),
    expect: DEFAULT_DENY,
  },

  // viewer
  {
    name: 'viewer reads models',
    principal: user(['viewer']),
    action: 'read:models',
    resource: res('Model'),
    expect: allow('role.viewer'),
  },
  {
    name: 'viewer reads an unclassified document',
    principal: user(['viewer']),
    action: 'read:documents',
    resource: res('Document'),
    expect: allow('role.viewer.unclassified-content'),
  },
  {
    name: 'viewer reads an internal prompt',
    principal: user(['viewer']),
    action: 'read:prompts',
    resource: res('Prompt', { attributes: { classification: 'internal' } }),
    expect: allow('role.viewer.unclassified-content'),
  },
  {
    name: 'viewer cannot read a confidential document',
    principal: user(['viewer']),
    action: 'read:documents',
    resource: res('Document', { attributes: { classification: 'confidential' } }),
    expect: DEFAULT_DENY,
  },
  {
    name: 'viewer cannot read pii',
    principal: user(['viewer'], { attributes: { region: 'eu', projects: ['p_alpha'] } }),
    action: 'read:pii',
    resource: pii('eu', 'p_alpha'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'viewer cannot read members',
    principal: user(['viewer']),
    action: 'read:members',
    resource: res('Member'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'viewer cannot manage keys even with a hardware key',
    principal: user(['viewer']),
    action: 'manage:keys',
    resource: res('ApiKey', { id: 'key_x' }),
    context: HWK,
    expect: DEFAULT_DENY,
  },
  {
    name: 'viewer cannot write prompts',
    principal: user(['viewer']),
    action: 'write:prompts',
    resource: res('Prompt'),
    expect: DEFAULT_DENY,
  },

  // service
  {
    name: 'service account invokes models',
    principal: serviceAccount(),
    action: 'invoke:models',
    resource: res('Model'),
    expect: allow('role.service'),
  },
  {
    name: 'service account writes documents',
    principal: serviceAccount(),
    action: 'write:documents',
    resource: res('Document'),
    expect: allow('role.service'),
  },
  {
    name: 'service account cannot read audit',
    principal: serviceAccount(),
    action: 'read:audit',
    resource: res('AuditLog'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'service account cannot manage keys',
    principal: serviceAccount(),
    action: 'manage:keys',
    resource: res('ApiKey', { id: 'key_x' }),
    context: HWK,
    expect: DEFAULT_DENY,
  },

  // roles combined, none
  {
    name: 'viewer and finance pays',
    principal: user(['viewer', 'finance']),
    action: 'bill:payments',
    resource: res('Invoice'),
    expect: allow('role.finance'),
  },
  {
    name: 'principal without roles',
    principal: user([]),
    action: 'read:org',
    resource: res('Org', { id: ACME }),
    expect: DEFAULT_DENY,
  },

  // tenant boundary
  {
    name: "owner cannot read another org's model",
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model', { orgId: GLOBEX }),
    expect: deny('tenant.boundary'),
  },
  {
    name: "admin cannot manage another org's members",
    principal: user(['admin']),
    action: 'manage:members',
    resource: res('Member', { orgId: GLOBEX }),
    context: HWK,
    expect: deny('tenant.boundary'),
  },
  {
    name: 'owner cannot read another org',
    principal: user(['owner']),
    action: 'read:org',
    resource: res('Org', { id: GLOBEX, orgId: GLOBEX }),
    expect: deny('tenant.boundary'),
  },
  {
    name: "an Org resource's orgId cannot be forged",
    principal: user(['owner']),
    action: 'read:org',
    resource: res('Org', { id: GLOBEX, orgId: ACME }),
    expect: deny('tenant.boundary'),
  },
  {
    name: 'a globex developer cannot read acme documents',
    principal: user(['developer'], { orgId: GLOBEX }),
    action: 'read:documents',
    resource: res('Document'),
    expect: deny('tenant.boundary'),
  },
  {
    name: 'platform owner has no access inside other orgs',
    principal: user(['owner'], { orgId: PLATFORM }),
    action: 'read:documents',
    resource: res('Document'),
    expect: deny('tenant.boundary'),
  },

  // API key scopes
  {
    name: 'key invokes within scope',
    principal: apiKey(['developer'], ['invoke:models']),
    action: 'invoke:models',
    resource: res('Model'),
    expect: allow('role.developer'),
  },
  {
    name: 'key outside its scopes',
    principal: apiKey(['developer'], ['invoke:models']),
    action: 'write:prompts',
    resource: res('Prompt'),
    expect: deny('authz.scope_missing'),
  },
  {
    name: 'key scope beyond its role (role ∩ scopes)',
    principal: apiKey(['viewer'], ['write:prompts']),
    action: 'write:prompts',
    resource: res('Prompt'),
    expect: DEFAULT_DENY,
  },
  {
    name: 'key without scopes can do nothing',
    principal: apiKey(['owner'], undefined),
    action: 'read:org',
    resource: res('Org', { id: ACME }),
    expect: deny('authz.scope_missing'),
  },
  {
    name: 'owner key cannot perform admin actions (no hardware key)',
    principal: apiKey(['owner'], ['manage:keys']),
    action: 'manage:keys',
    resource: res('ApiKey', { id: 'key_x' }),
    expect: HWK_REQUIRED,
  },
  {
    name: 'finance key pays',
    principal: apiKey(['finance'], ['bill:payments']),
    action: 'bill:payments',
    resource: res('Invoice'),
    expect: allow('role.finance'),
  },
  {
    name: 'key cannot cross tenants',
    principal: apiKey(['developer'], ['read:models']),
    action: 'read:models',
    resource: res('Model', { orgId: GLOBEX }),
    expect: deny('tenant.boundary'),
  },
  {
    name: 'service key with service role',
    principal: apiKey(['service'], ['invoke:models'], { ownerId: 'svc_app' }),
    action: 'invoke:models',
    resource: res('Model'),
    expect: allow('role.service'),
  },

  // platform owner vs ordinary owner
  {
    name: 'platform owner manages orgs',
    principal: user(['owner'], { orgId: PLATFORM }),
    action: 'manage:orgs',
    resource: res('Platform', { id: 'platform', orgId: PLATFORM }),
    context: HWK,
    expect: allow('role.owner'),
  },
  {
    name: 'platform owner manages orgs without a hardware key',
    principal: user(['owner'], { orgId: PLATFORM }),
    action: 'manage:orgs',
    resource: res('Platform', { id: 'platform', orgId: PLATFORM }),
    expect: HWK_REQUIRED,
  },
  {
    name: 'ordinary owner cannot manage orgs',
    principal: user(['owner']),
    action: 'manage:orgs',
    resource: res('Platform', { id: 'platform', orgId: PLATFORM }),
    context: HWK,
    expect: deny('platform.manage-orgs-platform-owners-only', 'tenant.boundary'),
  },
  {
    name: 'ordinary owner cannot claim the Platform for its org',
    principal: user(['owner']),
    action: 'manage:orgs',
    resource: res('Platform', { id: 'platform', orgId: ACME }),
    context: HWK,
    expect: deny('platform.manage-orgs-platform-owners-only', 'tenant.boundary'),
  },
  {
    name: 'ordinary owner cannot manage orgs on its own Org',
    principal: user(['owner']),
    action: 'manage:orgs',
    resource: res('Org', { id: ACME }),
    context: HWK,
    expect: deny('platform.manage-orgs-platform-owners-only'),
  },
  {
    name: 'platform admin cannot manage orgs',
    principal: user(['admin'], { orgId: PLATFORM }),
    action: 'manage:orgs',
    resource: res('Platform', { id: 'platform', orgId: PLATFORM }),
    context: HWK,
    expect: deny('platform.manage-orgs-platform-owners-only'),
  },

  // org forbids
  {
    name: 'org forbid: inference without a second factor',
    principal: user(['developer'], { amr: ['pwd'] }),
    action: 'invoke:models',
    resource: res('Model'),
    orgPolicies: ORG_MFA_FOR_INVOKE,
    expect: deny('org:invoke-needs-mfa'),
  },
  {
    name: 'org forbid: inference with a second factor',
    principal: user(['developer']),
    action: 'invoke:models',
    resource: res('Model'),
    orgPolicies: ORG_MFA_FOR_INVOKE,
    expect: allow('role.developer'),
  },
  {
    name: 'org forbid does not reach another org',
    principal: user(['developer'], { orgId: GLOBEX, amr: ['pwd'] }),
    action: 'invoke:models',
    resource: res('Model', { orgId: GLOBEX }),
    orgPolicies: ORG_MFA_FOR_INVOKE,
    expect: allow('role.developer'),
  },
  // Retrieval: an org policy on the document's region (the search filters each candidate document by it).
  {
    name: 'org forbid: developer reads a document of another region',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'read:documents',
    resource: pii('us', 'p_alpha'),
    orgPolicies: ORG_DOCUMENTS_EU_ONLY,
    expect: deny('org:developers-read-eu-documents-only'),
  },
  {
    name: 'org forbid: developer reads a document of the allowed region',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'read:documents',
    resource: pii('eu', 'p_alpha'),
    orgPolicies: ORG_DOCUMENTS_EU_ONLY,
    expect: allow('role.developer'),
  },
  {
    name: 'org forbid: developer reads a document without a region',
    principal: user(['developer'], { id: 'usr_dev' }),
    action: 'read:documents',
    resource: res('Document'),
    orgPolicies: ORG_DOCUMENTS_EU_ONLY,
    expect: deny('org:developers-read-eu-documents-only'),
  },
  {
    name: 'org forbid on a risky request',
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model'),
    context: { riskScore: 90 },
    orgPolicies: ORG_RISK,
    expect: deny('org:block-risky'),
  },
  {
    name: 'org forbid on a low-risk request',
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model'),
    context: { riskScore: 10 },
    orgPolicies: ORG_RISK,
    expect: allow('role.owner'),
  },
  {
    name: 'org forbid at night',
    principal: user(['developer']),
    action: 'invoke:models',
    resource: res('Model'),
    context: { now: '2026-01-01T03:00:00Z' },
    orgPolicies: ORG_NIGHT,
    expect: deny('org:no-inference-at-night'),
  },
  {
    name: 'org forbid in the day',
    principal: user(['developer']),
    action: 'invoke:models',
    resource: res('Model'),
    context: { now: '2026-01-01T12:00:00Z' },
    orgPolicies: ORG_NIGHT,
    expect: allow('role.developer'),
  },

  // org narrowing permits
  {
    name: 'org permit narrows pii: inside the office',
    principal: user(['owner']),
    action: 'read:pii',
    resource: pii('eu', 'p_alpha'),
    context: { ip: '10.1.2.3' },
    orgPolicies: ORG_PII_FROM_OFFICE,
    expect: allow('org:pii-only-from-office', 'role.owner'),
  },
  {
    name: 'org permit narrows pii: outside the office',
    principal: user(['owner']),
    action: 'read:pii',
    resource: pii('eu', 'p_alpha'),
    context: { ip: '203.0.113.5' },
    orgPolicies: ORG_PII_FROM_OFFICE,
    expect: deny('authz.org_permit_missing'),
  },
  {
    name: 'org permit narrows pii: no ip',
    principal: user(['owner']),
    action: 'read:pii',
    resource: pii('eu', 'p_alpha'),
    orgPolicies: ORG_PII_FROM_OFFICE,
    expect: deny('authz.org_permit_missing'),
  },
  {
    name: 'org permit narrows only its actions',
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model'),
    orgPolicies: ORG_PII_FROM_OFFICE,
    expect: allow('role.owner'),
  },
  {
    name: 'org permit matching does not bypass ABAC',
    principal: analyst,
    action: 'read:pii',
    resource: pii('us', 'p_alpha'),
    context: { ip: '10.1.2.3' },
    orgPolicies: ORG_PII_FROM_OFFICE,
    expect: DEFAULT_DENY,
  },
  {
    name: 'org permit cannot widen a viewer to manage:keys',
    principal: user(['viewer']),
    action: 'manage:keys',
    resource: res('ApiKey', { id: 'key_x' }),
    context: HWK,
    orgPolicies: ORG_WIDEN_KEYS,
    expect: DEFAULT_DENY,
  },
  {
    name: 'org permit-all cannot widen a viewer to billing',
    principal: user(['viewer']),
    action: 'read:billing',
    resource: res('Invoice'),
    orgPolicies: ORG_EVERYTHING,
    expect: DEFAULT_DENY,
  },
  {
    name: 'org permit-all keeps what the base allows',
    principal: user(['viewer']),
    action: 'read:models',
    resource: res('Model'),
    orgPolicies: ORG_EVERYTHING,
    expect: allow('org:everyone-everything', 'role.viewer'),
  },
  {
    name: 'org permit-all cannot cross tenants',
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model', { orgId: GLOBEX }),
    orgPolicies: ORG_EVERYTHING,
    expect: deny('tenant.boundary'),
  },
  {
    name: 'org permit-all cannot lift the hardware-key forbid',
    principal: user(['owner']),
    action: 'manage:keys',
    resource: res('ApiKey', { id: 'key_x' }),
    orgPolicies: ORG_EVERYTHING,
    expect: HWK_REQUIRED,
  },

  // policy errors fail closed and alert
  {
    name: 'org forbid errors on a mistyped context value',
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model'),
    context: { riskScore: 'high' },
    orgPolicies: ORG_RISK,
    expect: { ...deny('authz.policy_error'), alert: true },
  },
  {
    name: 'org forbid errors on overflow',
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model'),
    context: { riskScore: 1000 },
    orgPolicies: ORG_OVERFLOW,
    expect: { ...deny('authz.policy_error'), alert: true },
  },
  {
    name: 'org forbid without overflow',
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model'),
    context: { riskScore: 1 },
    orgPolicies: ORG_OVERFLOW,
    expect: allow('role.owner'),
  },
  {
    name: 'a fractional context number is an engine error',
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model'),
    context: { riskScore: 1.5 },
    expect: { ...deny('authz.policy_error'), alert: true },
  },
  {
    name: 'a malformed ip is an engine error',
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model'),
    context: { ip: 'not-an-ip' },
    expect: { ...deny('authz.policy_error'), alert: true },
  },
  {
    name: 'a malformed time is an engine error',
    principal: user(['owner']),
    action: 'read:models',
    resource: res('Model'),
    context: { now: 'yesterday' },
    expect: { ...deny('authz.policy_error'), alert: true },
  },

  // an org's stricter sign-in rule: a passkey for every member, whatever the action (policies/README.md)
  {
    name: 'an org requiring a passkey for everyone denies a developer signed in with TOTP',
    principal: user(['developer']),
    action: 'read:models',
    resource: res('Model'),
    orgPolicies: ORG_PASSKEY_FOR_EVERYONE,
    expect: deny('org:passkey-for-everyone'),
  },
  {
    name: 'an org requiring a passkey for everyone allows the developer after a passkey sign-in',
    principal: user(['developer'], { amr: ['hwk'] }),
    action: 'read:models',
    resource: res('Model'),
    orgPolicies: ORG_PASSKEY_FOR_EVERYONE,
    expect: allow('role.developer'),
  },

  // self-service (policies/base/self-service.cedar): a person's own sign-ins, never anyone else's
  {
    name: 'a viewer lists their own sign-ins',
    principal: user(['viewer']),
    action: 'manage:own-sessions',
    resource: res('User', { id: 'usr_alice' }),
    expect: allow('self.own-sessions'),
  },
  {
    name: "a user cannot reach another person's sign-ins through the self-service action",
    principal: user(['viewer']),
    action: 'manage:own-sessions',
    resource: res('User', { id: 'usr_bob' }),
    expect: deny('self.own-sessions-people-only'),
  },
  {
    name: "an owner cannot reach another person's sign-ins through the self-service action",
    principal: user(['owner']),
    action: 'manage:own-sessions',
    resource: res('User', { id: 'usr_bob' }),
    context: HWK,
    expect: deny('self.own-sessions-people-only'),
  },
  {
    name: "an owner-role API key does not act as its owner's person",
    principal: apiKey(['owner'], ['manage:own-sessions']),
    action: 'manage:own-sessions',
    resource: res('User', { id: 'key_ci' }),
    expect: deny('self.own-sessions-people-only'),
  },
  {
    name: 'a service account has no sign-ins of a person',
    principal: serviceAccount({ roles: ['owner'] }),
    action: 'manage:own-sessions',
    resource: res('User', { id: 'svc_app' }),
    expect: deny('self.own-sessions-people-only'),
  },
  {
    name: 'an org policy cannot open the self-service action to API keys',
    principal: apiKey(['viewer'], ['manage:own-sessions']),
    action: 'manage:own-sessions',
    resource: res('User', { id: 'key_ci' }),
    orgPolicies: '@id("keys-too")\npermit (principal, action == Action::"manage:own-sessions", resource);',
    expect: deny('self.own-sessions-people-only'),
  },

  // gateway: the guard's data classes and the model's attributes in the context (policies/base/gateway.cedar)
  ...gatewayCases(),
];

function gatewayCases(): DecisionCase[] {
  const dev = user(['developer'], { id: 'usr_dev' });
  const analystInvoker = user(['analyst', 'developer'], { id: 'usr_ana', attributes: { region: 'eu' } });
  const model = (extra: DecisionContext = {}): DecisionContext => ({
    model: 'gpt-eu',
    modelProvider: 'openai',
    modelRegion: 'eu',
    modelDataClassesAllowed: ['pii.email'],
    findings: [],
    dataClasses: [],
    dataKinds: [],
    ...extra,
  });
  const table: [string, Principal, DecisionContext, string | undefined, DecisionCase['expect']][] = [
    ['clean prompt to a model is allowed', dev, model(), undefined, allow('role.developer')],
    [
      'a secret reaching a model is refused even if the model lists it',
      dev,
      model({
        dataClasses: ['secret.aws_access_key'],
        dataKinds: ['secret'],
        modelDataClassesAllowed: ['secret.aws_access_key'],
      }),
      undefined,
      deny('gateway.no-secrets-to-models'),
    ],
    [
      'PII the model is cleared for is allowed',
      dev,
      model({ findings: ['pii.email'], dataClasses: ['pii.email'], dataKinds: ['pii'] }),
      undefined,
      allow('role.developer'),
    ],
    [
      'PII the model is not cleared for is refused',
      dev,
      model({ findings: ['pii.phone'], dataClasses: ['pii.phone'], dataKinds: ['pii'] }),
      undefined,
      deny('gateway.data-classes-allowed'),
    ],
    [
      'one uncleared class among cleared ones is refused',
      dev,
      model({ dataClasses: ['pii.email', 'pii.ssn'], dataKinds: ['pii'] }),
      undefined,
      deny('gateway.data-classes-allowed'),
    ],
    [
      'data classes without the model attributes fail closed',
      dev,
      { model: 'x', dataClasses: ['pii.email'], dataKinds: ['pii'] },
      undefined,
      deny('gateway.data-classes-allowed'),
    ],
    [
      'a finding the guard redacted is not a data class (only findings are listed)',
      dev,
      model({ findings: ['pii.phone'], modelDataClassesAllowed: [] }),
      undefined,
      allow('role.developer'),
    ],
    [
      'org policy: analyst PII to a model in their region is allowed',
      analystInvoker,
      model({ dataClasses: ['pii.email'], dataKinds: ['pii'] }),
      ORG_PII_EU_ONLY,
      allow('role.developer'),
    ],
    [
      'org policy: analyst PII to a model in another region is refused',
      analystInvoker,
      model({ modelRegion: 'us', dataClasses: ['pii.email'], dataKinds: ['pii'] }),
      ORG_PII_EU_ONLY,
      deny('org:analyst-pii-own-region'),
    ],
    [
      'org policy: analyst without PII may use a model in another region',
      analystInvoker,
      model({ modelRegion: 'us' }),
      ORG_PII_EU_ONLY,
      allow('role.developer'),
    ],
  ];
  return table.map(([name, principal, context, orgPolicies, expect]) => ({
    name: `gateway: ${name}`,
    principal,
    action: 'invoke:models' as const,
    resource: res('Model', { id: String(context.model ?? 'model_1') }),
    context,
    ...(orgPolicies !== undefined ? { orgPolicies } : {}),
    expect,
  }));
}
