export { actionCatalogue, actions, isAction, type Action, type ActionSpec } from './actions.js';
export { roles, isRole, type Role, type Principal, type PrincipalKind, type PrincipalAttributes } from './principal.js';
export { createAuthzEngine, type AuthzEngine, type AuthzEngineOptions } from './engine/authz-engine.js';
export { validateOrgPolicies } from './engine/analyse-org-policies.js';
export { loadPolicyBundle, type PolicyBundle } from './engine/policy-bundle.js';
export {
  resourceTypes,
  type ResourceType,
  type ResourceDescriptor,
  type ResourceAttributes,
  type DecisionContext,
  type ContextValue,
  type Decision,
  type AuthzAlert,
  type PolicyIssue,
  type OrgPolicySummary,
  type OrgPolicyValidation,
} from './engine/types.js';
export {
  ApiKeyService,
  AuthenticationFailure,
  actorOf,
  type ApiKeyServiceDeps,
  type ChangeMeta,
} from './api-keys/api-key-service.js';
export type { ApiKey, KeyOwner } from './api-keys/api-key.js';
export { canGrantRole } from './api-keys/grantable-roles.js';
export { keyEnvFor, mintApiKey, parseApiKey, type KeyEnv } from './api-keys/key-format.js';
export {
  apiKeySchema,
  createdKeySchema,
  createKeyBodySchema,
  rotateKeyBodySchema,
  type CreateKeyBody,
} from './api-keys/schema.js';
export { PolicyStore, type PolicyStoreDeps, type PolicyVersion } from './policy-store/policy-store.js';
export { createScopePermits, type ScopePermits } from './api-keys/usable-scopes.js';
export { effectiveKeyRoles } from './api-keys/effective-roles.js';
