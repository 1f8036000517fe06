import type { Config } from '../config/index.js';
import type { OrgId } from '../lib/ids.js';
import type { Db, PreparedDatabase } from '../platform/db/index.js';
import type { AuditLog } from '../modules/audit/index.js';
import type { OperatorUsers } from '../modules/oidc/index.js';
import type { OrgService } from '../modules/tenancy/index.js';

/** Services an operator command works with; opened from the configuration by the composition root. */
export interface OperatorServices {
  config: Config;
  db: Db;
  audit: AuditLog;
  orgs: OrgService;
  /** Break-glass user commands: list, set a password, disable, end sign-ins (audited as system/cli). */
  users(): Promise<OperatorUsers>;
  /** Break-glass: a one-time setup secret for an org's owner, redeemed with a passkey for an owner key (audited). */
  issueOwnerSetup(orgId: OrgId, email?: string): Promise<{ email: string; secret: string; expiresAt: Date }>;
  /** A new one-time bootstrap secret, while none has been redeemed. */
  reissueBootstrap(): Promise<{ secret: string; expiresAt: Date }>;
  /** Re-wraps every org's data keys under a new key-encryption key. */
  rotateKek(options: {
    resume: boolean;
  }): Promise<{ kekVersion: number; orgs: number; keysRewrapped: number; failedOrgs: readonly OrgId[] }>;
  /** Rotates the OpenID provider's signing key: published now, signing one token lifetime later. */
  rotateSigningKey(): Promise<{ kid: string; signsFrom: Date; created: boolean }>;
  /** Restores an org's built-in policies (an empty org policy text as a new version), audited with the CLI as actor. */
  resetPolicies(orgId: OrgId): Promise<{ version: number }>;
  /** Rolls a prompt or a model route back to an earlier version (a new version with its content), audited as system/cli. */
  rollbackPrompt(
    orgId: OrgId,
    name: string,
    toVersion: number,
  ): Promise<{ version: number; restoredFrom: number | null }>;
  rollbackRoute(
    orgId: OrgId,
    name: string,
    toVersion: number,
  ): Promise<{ version: number; restoredFrom: number | null }>;
  close(): Promise<void>;
}

/** One check of `bulwark doctor`. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** What the composition root gives the CLI: configuration, services, the server and diagnostics. */
export interface CliContext {
  loadConfig(): Config;
  openServices(config: Config): Promise<OperatorServices>;
  /** Starts the server and resolves once it listens; it stops on SIGTERM/SIGINT. */
  serve(config: Config): Promise<void>;
  doctor(config: Config): Promise<DoctorCheck[]>;
  /** Migrates over the owner connection, tags the environment and provisions the serving login. */
  migrate(config: Config): Promise<PreparedDatabase>;
}

/** An org id argument, validated. */
export type OrgIdArg = OrgId;
