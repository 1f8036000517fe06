import type { Config } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import type { OrgId } from '../lib/ids.js';
import type { AuditBuffer, AuditLog } from '../modules/audit/index.js';
import type { Billing } from '../modules/billing/index.js';
import type { ApiKeyService, AuthzEngine, PolicyStore } from '../modules/authz/index.js';
import type {
  DbModelCatalog,
  GatewayService,
  GatewayUsage,
  PromptService,
  ProviderCircuits,
  ProviderConnectionService,
  RetrievalService,
  RouteService,
} from '../modules/gateway/index.js';
import type { Identity, Invitations, Passkeys, PasswordResets, RelyingParty } from '../modules/identity/index.js';
import type { Oidc } from '../modules/oidc/index.js';
import type { GuardPolicyStore, GuardService, ModerationService, QuarantineService } from '../modules/guard/index.js';
import type {
  BootstrapOwner,
  SetupOwner,
  MemberService,
  OrgFrozenCheck,
  OrgService,
  ServiceAccountService,
} from '../modules/tenancy/index.js';
import type { WebhookEndpointService } from '../modules/webhooks/index.js';
import type { Db, PlatformSql, TenantSql } from '../platform/db/index.js';
import type { OutboxMessage } from '../platform/mail/index.js';
import type { Metrics } from '../platform/metrics/index.js';
import type { AuthThrottle } from '../platform/rate-limit/index.js';
import type { FieldCipher } from '../platform/vault/index.js';
import type { RejectedCredentialLog } from './auth/rejected-credential-log.js';

/** What the API routes work with; built by the composition root. */
export interface ApiServices {
  config: Config;
  clock: Clock;
  db: Db;
  audit: AuditLog;
  auditBuffer: AuditBuffer;
  engine: AuthzEngine;
  policies: PolicyStore;
  apiKeys: ApiKeyService;
  orgs: OrgService;
  members: MemberService;
  serviceAccounts: ServiceAccountService;
  quarantine: QuarantineService;
  guard: GuardService;
  guardPolicies: GuardPolicyStore;
  /** Whether an org is frozen, cached under its cache generation. */
  orgFrozen: OrgFrozenCheck;
  /** Moderation in OpenAI's categories (`POST /v1/moderations`). */
  moderation: ModerationService;
  /** The gateway's per-org provider connections and models. */
  gatewayProviders: ProviderConnectionService;
  /** Org models and the built-in ones, resolved to providers; breakers per provider connection and model. */
  modelCatalog: DbModelCatalog;
  providerCircuits: ProviderCircuits;
  /** The AI gateway pipeline (chat, responses, embeddings, model list). */
  gateway: GatewayService;
  /** Retrieval: the org's documents, their search, and grounding chat requests on them. */
  retrieval: RetrievalService;
  /** The prompt registry (versions, diff, rollback) and the model routes (canary weights, fallback, shadow). */
  prompts: PromptService;
  modelRoutes: RouteService;
  /** Field encryption (stored idempotent responses, org secrets). */
  cipher: FieldCipher;
  platformOrgId: OrgId;
  metrics: Metrics;
  /** Failed-authentication limits per source and key id (in process, or in Redis when configured). */
  authThrottle: AuthThrottle;
  /** Rejected credentials, aggregated per window before they reach the audit log. */
  rejectedCredentials: RejectedCredentialLog;
  /** Gateway metering: the `UsageMeter` the pipeline calls and the usage, limits and price use cases. */
  gatewayUsage: GatewayUsage;
  /** Payments: saved cards, idempotent charges, the processor's webhooks (and the in-process sandbox processor). */
  billing: Billing;
  /** The org's outbound webhook endpoints, their delivery log and replay. */
  webhookEndpoints: WebhookEndpointService;
  /** The embedded OpenID provider: its handler, service-account clients, access-token authentication. */
  oidc: Oidc;
  /** Users' credentials (passwords, TOTP, recovery codes). */
  identity: Identity;
  /** Users' passkeys. */
  passkeys: Passkeys;
  /** The WebAuthn relying party passkeys are bound to. */
  relyingParty: RelyingParty;
  /** Invitations: member adds and org creations that e-mail a password-less user a link to set a first password. */
  invitations: Invitations;
  /** Password reset by e-mailed link. */
  passwordResets: PasswordResets;
  /** The development outbox's delivered messages, newest first (mail transport `outbox`). */
  readOutbox(options: { to?: string; limit: number }): Promise<OutboxMessage[]>;
  /** Redeems the one-time bootstrap secret in the caller's platform transaction; `mintOwnerKey` issues the owner's key in it. */
  /** Starts an owner setup: the owner of a live setup secret, with the passkey challenge recorded. */
  beginOwnerSetup(
    platform: PlatformSql,
    secret: string,
    challengeFor: (owner: SetupOwner) => Promise<string>,
  ): Promise<SetupOwner>;
  /** Records a failed redemption and drops its challenge. */
  abandonOwnerSetup(secret: string, reason: string): Promise<void>;
  redeemBootstrap<K>(
    platform: PlatformSql,
    secret: string,
    proveOwner: (owner: BootstrapOwner) => Promise<void>,
    mintOwnerKey: (tenant: TenantSql, owner: BootstrapOwner) => Promise<K>,
  ): Promise<K>;
}
