export { bootstrapPlatform, findPlatformOrgId, redeemBootstrapSecret, reissueBootstrapSecret, type BootstrapDeps, type BootstrapResult } from './bootstrap.js';
export type { Org } from './org.js';
export { OrgService, type OrgServiceDeps } from './org-service.js';
export { createOrgSchema, orgStatusSchema, type CreateOrgInput, type OrgStatus } from './schema.js';
export { MemberService, type Member } from './members.js';
export { ServiceAccountService, type ServiceAccount } from './service-accounts.js';
export type { AuditContext } from './audit-context.js';
export { activeOwnerAttributes, type CredentialOwner } from './active-owner.js';
export { freezeOrg, freezeReasons, isOrgFrozen, orgStatusChangeSchema, unfreezeOrg, type OrgStatusChange, type OrgStatusDeps } from './org-status.js';
