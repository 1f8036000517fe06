export {
  abandonOwnerSetup,
  beginOwnerSetup,
  bootstrapPlatform,
  findPlatformOrgId,
  issueOwnerSetupFromShell,
  issueOwnerSetupSecret,
  redeemBootstrapSecret,
  reissueBootstrapSecret,
  type BootstrapDeps,
  type BootstrapOwner,
  type BootstrapResult,
  type SetupOwner,
} from './bootstrap.js';
export type { Org } from './org.js';
export { OrgService, type CreatedOrg, type OrgServiceDeps } from './org-service.js';
export { createOrgSchema, orgStatusSchema, type CreateOrgInput, type OrgStatus } from './schema.js';
export { MemberService, type Member } from './members.js';
export { ServiceAccountService, type ServiceAccount } from './service-accounts.js';
export type { AuditContext } from './audit-context.js';
export { activeOwner, type ActiveOwner, type CredentialOwner } from './active-owner.js';
export { orgsLeftWithoutActiveOwner } from './last-active-owner.js';
export { assertMayGrant, type ActingPrincipal, type CanGrantRole } from './acting-principal.js';
export {
  freezeOrg,
  freezeReasons,
  OrgFrozenCheck,
  orgStatusChangeSchema,
  unfreezeOrg,
  type OrgStatusChange,
  type OrgStatusDeps,
} from './org-status.js';
export { needsPasskey, PASSKEY_ROLES } from './passkey-roles.js';
