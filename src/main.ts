import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { buildProgram } from './cli/program.js';
import type { CliContext, DoctorCheck, OperatorServices } from './cli/cli-context.js';
import { assertProductionSafe, developmentShortcuts, loadProcessConfig, type Config } from './config/index.js';
import { buildHttpServer } from './http/server.js';
import { systemClock, type Clock } from './lib/clock.js';
import { AppError } from './lib/errors/index.js';
import type { OrgId } from './lib/ids.js';
import type { ApiServices } from './http/api-services.js';
import type { ProtectedRoute } from './http/auth/install-auth.js';
import { registerApiRoutes } from './http/routes/index.js';
import { mountOidcProvider } from './http/routes/oidc-provider-mount.js';
import { registerAccountRoutes } from './http/routes/account-routes.js';
import { registerSetupRoutes } from './http/routes/setup-routes.js';
import { registerSignInRoutes, signInPath } from './http/routes/sign-in-routes.js';
import { logoutPages } from './http/sign-in/sign-in-pages.js';
import { JobRunner } from './jobs/index.js';
import { AuditBuffer, AuditLog, AuditSealer } from './modules/audit/index.js';
import { openBilling } from './modules/billing/index.js';
import {
  ApiKeyService,
  canGrantRole,
  createAuthzEngine,
  createScopePermits,
  isRole,
  keyEnvFor,
  PolicyStore,
  type AuthzAlert,
} from './modules/authz/index.js';
import {
  BuiltInCatalog,
  createGatewayUsage,
  DbModelCatalog,
  EmptyCatalog,
  gatewayUsageSettings,
  GatewayService,
  RetrievalService,
  modelKindIn,
  PromptService,
  ProviderCircuits,
  ProviderConnectionService,
  ProviderHttpClient,
  LocalProvider,
  RoutedCatalog,
  GenerationCachedCatalog,
  RouteService,
  type ModelCatalog,
  type UsageMeter,
} from './modules/gateway/index.js';
import {
  createGuardRulesPool,
  EmbeddingPool,
  ModerationService,
  GuardPolicyStore,
  GuardService,
  createRemoteDetectors,
  maskLogFormatter,
  maskLogValue,
  QuarantineService,
} from './modules/guard/index.js';
import {
  bootstrapPlatform,
  findPlatformOrgId,
  MemberService,
  OrgFrozenCheck,
  OrgService,
  redeemBootstrapSecret,
  beginOwnerSetup,
  abandonOwnerSetup,
  reissueBootstrapSecret,
  issueOwnerSetupFromShell,
  ServiceAccountService,
  type BootstrapResult,
} from './modules/tenancy/index.js';
import {
  openAccountLinks,
  openIdentity,
  loadAccountKeyOf,
  openPasskeys,
  type Identity,
  type Passkeys,
  type RelyingParty,
} from './modules/identity/index.js';
import {
  endSignInsOf,
  openOidc,
  operatorUsers,
  rotateSigningKeyNow,
  signInPasskeys,
  type Oidc,
} from './modules/oidc/index.js';
import { DELIVER_JOB_KIND, WebhookDeliverer, WebhookEndpointService } from './modules/webhooks/index.js';
import { OrgGenerations } from './platform/cache-generation/index.js';
import {
  assertServingRoleSafe,
  checkEnvironment,
  claimEnvironment,
  inspectServingRole,
  isOwnerDb,
  keyTenantContext,
  migrate,
  migrationStatus,
  openDb,
  openMigrationDb,
  prepareDatabase,
  servingLoginOf,
  type Db,
  type OwnerDb,
  type PreparedDatabase,
  type PushedCommits,
} from './platform/db/index.js';
import { createLogger, type Logger } from './platform/logger/index.js';
import { deliverDueMail, listOutbox, openMailTransport, type MailDeliveryPass } from './platform/mail/index.js';
import { createMetrics } from './platform/metrics/index.js';
import { createAuthThrottle, type CounterStore } from './platform/rate-limit/index.js';
import { closeRedis, openRedis, pingRedis } from './platform/redis/index.js';
import { RejectedCredentialLog } from './http/auth/rejected-credential-log.js';
import { FieldCipher, openKeyVault, rotateKek, type KeyVault } from './platform/vault/index.js';

/** Everything one serving Bulwark node runs with, wired from the configuration. */
export interface Runtime extends Core {
  /** What the first start created (the bootstrap secret is in it, once); undefined on later starts. */
  bootstrap: BootstrapResult | undefined;
  /** Everything the API routes use. */
  services: ApiServices;
  /** The background job runner (webhook deliveries); `serve` starts it, close stops it. */
  jobs: JobRunner;
  /** One pass of the mail sweep the job runner runs (tests and drills call it to deliver the outbox now). */
  deliverMail(now?: Date): Promise<MailDeliveryPass>;
}

/** Overrides for tests: an existing database (and its owner connection, to migrate it), a clock, a logger. */
export interface RuntimeOverrides {
  db?: Db;
  /** The migration connection beside `db`; without it (and when `db` has no owner access) the schema must already be current. */
  ownerDb?: OwnerDb;
  clock?: Clock;
  logger?: Logger;
  /** The gateway's model catalogue and usage meter (tests: recording providers, an instrumented meter). */
  /** Tests: another model catalogue, and a wrapper around the real usage meter (to count its calls). */
  gateway?: { catalog?: ModelCatalog; wrapMeter?: (meter: UsageMeter) => UsageMeter };
}

/** The dependencies every entry point needs: database (migrated, environment checked), vault, audit log, orgs. */
export interface Core {
  config: Config;
  clock: Clock;
  logger: Logger;
  db: Db;
  vault: KeyVault;
  audit: AuditLog;
  auditBuffer: AuditBuffer;
  /** The time bound of audit sealing; `serve` starts it, close stops it (with a last pass). */
  auditSealer: AuditSealer;
  orgs: OrgService;
  close(): Promise<void>;
}

/** Runs `bulwark migrate`'s work over the migration (owner) connection, which is closed afterwards; installs the tenant-context key. */
async function prepareWithMigrationDb(config: Config, vault: KeyVault): Promise<PreparedDatabase> {
  const owner = await openMigrationDb(config);
  try {
    const servingLogin = servingLoginOf(config);
    const prepared = await prepareDatabase(owner, {
      environment: config.env,
      ...(servingLogin ? { servingLogin } : {}),
    });
    await keyTenantContext(owner, vault, owner);
    return prepared;
  } finally {
    await owner.close();
  }
}

/**
 * The serving database, migrated: on PostgreSQL migrations run over the owner connection first, then the serving
 * login connects (it may not exist before migrate provisions it); PGlite's one connection does both.
 */
async function openServingDatabase(
  config: Config,
  overrides: RuntimeOverrides,
  vault: KeyVault,
  logger: Logger,
): Promise<Db> {
  if (overrides.db) {
    const owner = overrides.ownerDb ?? (isOwnerDb(overrides.db) ? overrides.db : undefined);
    if (owner) {
      await migrate(owner);
      await claimEnvironment(owner, config.env);
    } else {
      const { pending } = await migrationStatus(overrides.db);
      if (pending.length)
        throw new AppError('db.migrations_pending', {
          publicMessage: `migrations ${pending.join(', ')} are pending: run bulwark migrate`,
        });
    }
    await keyTenantContext(overrides.db, vault, owner);
    return overrides.db;
  }
  if (config.databaseUrl === undefined) {
    const db = await openDb(config);
    try {
      await prepareDatabase(db as OwnerDb, { environment: config.env });
      await keyTenantContext(db, vault, db as OwnerDb);
    } catch (error) {
      await db.close();
      throw error;
    }
    return db;
  }
  await prepareWithMigrationDb(config, vault);
  const db = await openDb(config, { onFeedTrouble: (error, attempts) => warnFeedTrouble(logger, error, attempts) });
  try {
    await keyTenantContext(db, vault);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

// SECURITY: row-level security binds the serving login only if it is no superuser, lacks BYPASSRLS and owns no table;
// otherwise a `RESET ROLE` in injected SQL leaves the app role and reads every org. Production refuses such a login
// on PostgreSQL (PGlite is a superuser by construction and is already refused in production as DATABASE_URL unset,
// unless the operator allowed development shortcuts). Elsewhere it is logged as a warning.
// A lost subscription and the first failed attempt are logged, then one failed attempt a minute (one a second are made).
function warnFeedTrouble(logger: Logger, error: unknown, failedAttempts: number): void {
  if (failedAttempts > 1 && failedAttempts % 60 !== 0) return;
  logger.warn(
    { err: error, failed_attempts: failedAttempts },
    failedAttempts === 0
      ? 'cache push feed lost its subscription; org generations are read from the database until it is back'
      : 'cache push feed cannot subscribe (LISTEN); org generations are read from the database meanwhile',
  );
}

async function checkServingRole(config: Config, db: Db, logger: Logger): Promise<void> {
  if (db.kind !== 'postgres') return;
  const report = await inspectServingRole(db);
  if (config.env === 'production') assertServingRoleSafe(report);
  else if (report.problems.length)
    logger.warn(
      { login: report.login, problems: report.problems },
      'the serving database login is privileged: row-level security does not bind it (production refuses this)',
    );
}

/** Refuses unsafe production config, migrates the database (owner connection), opens the serving one, checks its login and environment tag, opens the vault. */
export async function openCore(config: Config, overrides: RuntimeOverrides = {}): Promise<Core> {
  assertProductionSafe(config);
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, maskRecord: maskLogFormatter });
  const vault = await openKeyVault(config);
  let db: Db;
  try {
    db = await openServingDatabase(config, overrides, vault, logger);
  } catch (error) {
    await vault.close();
    throw error;
  }
  try {
    await checkServingRole(config, db, logger);
    await checkEnvironment(db, config.env);
  } catch (error) {
    await vault.close();
    if (!overrides.db) await db.close();
    throw error;
  }
  const audit = new AuditLog({
    db,
    clock,
    maskDetails: (details) => maskLogValue(details) as Record<string, unknown>,
    sealKey: vault,
    onSealError: (error, orgId) =>
      logger.error(
        { err: error, org_id: orgId },
        'audit checkpoint could not be sealed on append; the sealing timer retries',
      ),
  });
  const auditBuffer = new AuditBuffer((orgId, events) => audit.record(orgId, events), {
    onWriteError: (error, orgId, events) =>
      logger.error({ err: error, org_id: orgId, lost_events: events.length }, 'audit batch could not be written'),
  });
  const orgs = new OrgService({ db, clock, audit, ownerSetupTtlMinutes: config.ownerSetupTtlHours * 60 });
  const auditSealer = new AuditSealer({
    audit,
    listOrgIds: () => orgs.allIds(),
    onError: (error, orgId) => logger.error({ err: error, org_id: orgId }, 'audit sealing pass failed'),
  });
  return {
    config,
    clock,
    logger,
    db,
    vault,
    audit,
    auditBuffer,
    auditSealer,
    orgs,
    async close() {
      await auditBuffer.close();
      // After the buffer's last batch, before the vault and the database close: seals the tail of a graceful stop.
      await auditSealer.stop();
      await vault.close();
      if (!overrides.db) await db.close();
    },
  };
}

/**
 * Opens a serving node: the core, then the platform bootstrap on the very first start (its secret is
 * returned to be printed once), the authorization engine and every service the API uses.
 */
export async function openRuntime(config: Config, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const core = await openCore(config, overrides);
  const { clock, logger, db, audit, auditBuffer, orgs } = core;
  const bootstrap = await bootstrapPlatform(
    { db, clock, audit },
    { ownerEmail: 'owner@localhost', ttlMinutes: config.bootstrapTtlMinutes },
  );
  const platformOrgId = await findPlatformOrgId(db);
  const onAlert = (alert: AuthzAlert) => {
    logger.error({ alert }, 'authorization policy failed to evaluate; denied');
    void auditBuffer
      .add({
        orgId: alert.orgId,
        actor: { type: 'system', id: null },
        action: 'authz.policy.errored',
        resource: alert.resource,
        decision: 'error',
        reasonCodes: [alert.code],
        details: { principal_id: alert.principalId, action: alert.action, errors: alert.errors },
      })
      .catch(() => undefined);
  };
  const engine = createAuthzEngine({ platformOrgId, clock, onAlert });
  // Built-in policies only: decides whether a new key's role can ever use its scopes, whatever an org's policies say today.
  const keyScopePermits = createScopePermits(
    createAuthzEngine({ platformOrgId, clock, onAlert, cacheSize: 1_000 }),
    platformOrgId,
  );
  const grantable = (held: readonly string[], role: string) => isRole(role) && canGrantRole(held.filter(isRole), role);
  const cipher = new FieldCipher({ vault: core.vault, clock });
  const quarantine = new QuarantineService({ db, cipher, audit, clock });
  // Caches of principals, org status and policies are trusted only under each org's cache generation.
  const generations = new OrgGenerations(db);
  const guardPolicies = new GuardPolicyStore({ db, audit, clock, generations });
  // One embedding worker pool for the guard and moderation; its workers start on first use.
  const embeddingPool = new EmbeddingPool({ size: 1 });
  // Remote guard detectors (none unless configured); their failures block the scans they served.
  const remoteDetectors = createRemoteDetectors(config.guardRemoteDetectors, {
    onFailure: ({ detector, kind, status }) => {
      if (kind !== 'circuit_open')
        logger.warn({ detector, failure: kind, status }, 'remote guard detector failed; its scans fail closed');
    },
    onCircuitChange: ({ detector, state }) => logger.warn({ detector, state }, 'remote guard detector circuit changed'),
  });
  const guard = new GuardService({
    db,
    audit,
    quarantine,
    policies: guardPolicies,
    ...(config.guardEmbeddingStage ? { createPool: () => embeddingPool } : {}),
    // The guard rules worker: names and places (compromise) and the injection first stage run in one worker thread,
    // off the event loop; guard.close() stops it. Each scan queues a task for each stage, hence twice the default queue.
    rulesPool: createGuardRulesPool({ size: 1, maxQueue: 512 }),
    recordEvent: (event) => auditBuffer.add(event),
    remoteDetectors,
  });
  const moderation = new ModerationService({
    db,
    audit,
    ...(config.guardEmbeddingStage ? { pool: embeddingPool } : {}),
  });
  const redis = config.redisUrl
    ? openRedis(config.redisUrl.reveal(), (error) =>
        logger.warn({ err: error }, 'redis unavailable; throttling counters fall back to this node'),
      )
    : undefined;
  if (redis) await waitForRedis(redis, 2_000);
  const counterStore: CounterStore = redis ? { kind: 'redis', client: redis } : { kind: 'memory' };
  const rejectedCredentials = new RejectedCredentialLog({
    write: (event) => auditBuffer.add(event),
    now: () => clock.now().getTime(),
    windowMs: config.authThrottle.eventWindowSeconds * 1000,
  });
  const providerHttp = new ProviderHttpClient();
  // Org models (their providers and connections) over the built-in `local` models.
  const builtInModels = config.gateway.localProvider ? new BuiltInCatalog(new LocalProvider()) : new EmptyCatalog();
  const modelCatalog = new DbModelCatalog({ db, cipher, http: providerHttp, builtIn: builtInModels });
  const providerCircuits = new ProviderCircuits(undefined, (change) =>
    logger.warn({ circuit: change.circuitKey, state: change.state }, 'provider circuit changed state'),
  );
  const gatewayUsage = createGatewayUsage({
    db,
    audit,
    clock,
    counterStore,
    platformOrgId,
    settings: gatewayUsageSettings(config),
    engine,
  });
  const wrapMeter = overrides.gateway?.wrapMeter ?? ((meter: UsageMeter) => meter);
  // Prompts and model routes: a route resolves its arms through the model catalogue (org models, then built-in).
  const prompts = new PromptService({ db, audit, clock });
  const modelRoutes = new RouteService({
    db,
    audit,
    clock,
    modelKind: modelKindIn(overrides.gateway?.catalog ?? builtInModels),
  });
  const gateway = new GatewayService({
    db,
    // Resolution is cached under the org's cache generation, which every model, connection and route change bumps.
    catalog: new GenerationCachedCatalog({
      catalog: new RoutedCatalog({ db, models: overrides.gateway?.catalog ?? modelCatalog }),
      generations,
    }),
    clock,
    prompts,
    recordShadow: (orgId, comparison) => modelRoutes.recordComparison(orgId, comparison),
    meter: wrapMeter(gatewayUsage.meter),
    guard,
    quarantine,
    engine,
    recordEvent: (event) => auditBuffer.add(event),
    orgSlug: orgSlugLookup(orgs),
    holdBackChars: config.gateway.streamHoldBackChars,
    circuits: providerCircuits,
  });
  const billing = await openBilling({
    config,
    db,
    cipher,
    audit,
    clock,
    orgs,
    platformOrgId,
    usage: { meteredTokens: (orgId, from, to) => gatewayUsage.service.meteredTokens(orgId, from, to) },
  });
  const endSignIns = endSignInsOf({ audit, platformOrgId });
  const accountKeyOf = await loadAccountKeyOf({ db, cipher, platformOrgId });
  const identity = openIdentity({ db, cipher, audit, clock, platformOrgId, counterStore, accountKeyOf, endSignIns });
  const passkeys = openPasskeys({ db, audit, clock, platformOrgId, endSignIns });
  const relyingParty = relyingPartyOf(config);
  const members = new MemberService({ audit, canGrantRole: grantable });
  const { invitations, passwordResets } = openAccountLinks({
    db,
    cipher,
    audit,
    clock,
    platformOrgId,
    counterStore,
    accountKeyOf,
    endSignIns,
    members,
    orgs,
    publicUrl: config.publicUrl,
  });
  const mailTransport = openMailTransport(config);
  const deliverMail = (now: Date = clock.now()) =>
    deliverDueMail(
      { db, transport: mailTransport, onError: (error) => logger.warn({ err: error }, 'mail delivery failed') },
      now,
    );
  const oidc = await openProvider(config, {
    db,
    cipher,
    audit,
    clock,
    platformOrgId,
    logger,
    generations,
    canGrantRole: grantable,
    identity,
    passkeys,
    relyingParty,
  });
  const webhookRules = { allowPrivateTargets: config.webhooks.allowPrivateTargets };
  const webhookDeliverer = new WebhookDeliverer({
    db,
    cipher,
    audit,
    clock,
    rules: webhookRules,
    timeoutMs: config.webhooks.timeoutMs,
  });
  const jobs = new JobRunner({
    db,
    clock,
    pollIntervalMs: config.jobs.pollIntervalMs,
    leaseMs: config.jobs.leaseSeconds * 1000,
    batchSize: 16,
    retryBaseMs: 10_000,
    retryCapMs: 6 * 60 * 60 * 1000,
    onError: (error, job) =>
      logger.warn(
        { err: error, ...(job ? { job_id: job.id, kind: job.kind, attempt: job.attempt } : {}) },
        job ? 'job failed' : 'job poll failed',
      ),
  })
    .register(DELIVER_JOB_KIND, (job) => webhookDeliverer.deliver(job))
    .every('oidc.signing_keys', config.oidc.keyCheckIntervalSeconds * 1000, () =>
      oidc.rotateIfDue(config.oidc.signingKeyRotationDays * 24 * 60 * 60 * 1000),
    )
    .every('oidc.cleanup', config.oidc.cleanupIntervalSeconds * 1000, (now) => oidc.deleteExpired(now))
    .every('billing.recovery', config.billing.recoveryRunIntervalSeconds * 1000, (now) =>
      billing.recovery.runDueRecoveryAttempts(now),
    )
    .every('billing.renewals', config.billing.renewalRunIntervalSeconds * 1000, (now) =>
      billing.renewals.runDueRenewals(now),
    )
    .every('billing.usage-reports', config.billing.usageReportRunIntervalSeconds * 1000, (now) =>
      billing.runDueUsageReports(now),
    )
    .every('mail.delivery', config.mail.deliveryIntervalSeconds * 1000, (now) => deliverMail(now));
  const services: ApiServices = {
    config,
    clock,
    db,
    audit,
    auditBuffer,
    engine,
    policies: new PolicyStore({ db, engine, audit, clock, generations }),
    apiKeys: new ApiKeyService({
      db,
      clock,
      audit,
      env: keyEnvFor(config.env),
      onChange: (orgId) => engine.invalidate(orgId),
      permits: keyScopePermits,
      generations,
      passkeyKeyMaxLifetimeMs: config.passkeyKeyMaxDays * 24 * 60 * 60 * 1000,
    }),
    orgs,
    members,
    serviceAccounts: new ServiceAccountService({ audit, canGrantRole: grantable }),
    quarantine,
    guard,
    guardPolicies,
    orgFrozen: new OrgFrozenCheck({ db, generations }),
    moderation,
    gatewayProviders: new ProviderConnectionService({
      db,
      cipher,
      audit,
      clock,
      baseUrlRules: { requireHttps: config.env === 'production' },
      onChange: (orgId) => modelCatalog.invalidate(orgId),
    }),
    modelCatalog,
    providerCircuits,
    gateway,
    retrieval: new RetrievalService({
      db,
      engine,
      audit,
      gateway,
      recordEvent: (event) => auditBuffer.add(event),
      clock,
    }),
    prompts,
    modelRoutes,
    cipher,
    platformOrgId,
    metrics: createMetrics({ auditPending: () => auditBuffer.pending }),
    authThrottle: createAuthThrottle(config.authThrottle, counterStore),
    rejectedCredentials,
    gatewayUsage,
    billing,
    webhookEndpoints: new WebhookEndpointService({ db, cipher, audit, clock, rules: webhookRules }),
    oidc,
    identity,
    passkeys,
    relyingParty,
    invitations,
    passwordResets,
    readOutbox: async (options) => {
      // The node's sweep makes queued messages readable every few seconds; this makes them readable now.
      await deliverMail();
      return db.withPlatform((sql) => listOutbox(sql, options));
    },
    beginOwnerSetup: (platform, secret, challengeFor) => beginOwnerSetup({ clock }, platform, secret, challengeFor),
    abandonOwnerSetup: (secret, reason) => abandonOwnerSetup({ db, audit }, secret, reason),
    redeemBootstrap: (platform, secret, proveOwner, mintOwnerKey) =>
      redeemBootstrapSecret({ clock, audit }, platform, secret, proveOwner, mintOwnerKey),
  };
  return {
    ...core,
    bootstrap,
    services,
    jobs,
    deliverMail,
    async close() {
      // Jobs running finish (and record their outcome) before anything they use closes.
      await jobs.stop();
      await mailTransport.close();
      await webhookDeliverer.close();
      // Shadow calls still running finish (and record their comparison) before their database goes.
      await gateway.shadowsSettled();
      await guard.close();
      await embeddingPool.close();
      providerCircuits.close();
      await providerHttp.close();
      await rejectedCredentials.close();
      await billing.close();
      if (redis) await closeRedis(redis);
      await core.close();
    },
  };
}

/** The embedded OpenID provider; its access tokens are for the Bulwark API (`PUBLIC_URL/v1`). */
function openProvider(
  config: Config,
  deps: Pick<Core, 'db' | 'audit' | 'clock' | 'logger'> & {
    cipher: FieldCipher;
    platformOrgId: OrgId;
    generations: OrgGenerations;
    canGrantRole: (held: readonly string[], role: string) => boolean;
    identity: Identity;
    passkeys: Passkeys;
    relyingParty: RelyingParty;
  },
): Promise<Oidc> {
  return openOidc({
    ...deps,
    passkeys: signInPasskeys(deps.passkeys, deps.relyingParty),
    pages: { interactionPath: signInPath, logoutPages },
    issuer: config.oidc.issuer,
    audience: apiAudience(config),
    accessTokenTtlSeconds: config.oidc.accessTokenTtlSeconds,
    refresh: { idleSeconds: config.oidc.refreshIdleSeconds, absoluteSeconds: config.oidc.refreshAbsoluteSeconds },
    sessionTtlSeconds: config.oidc.sessionTtlSeconds,
    trustProxy: config.trustProxy,
    onServerError: (error) => deps.logger.error({ err: error }, 'the OpenID provider answered server_error'),
  });
}

/** The WebAuthn relying party: passkeys are bound to the public URL's host name and origin. */
function relyingPartyOf(config: Config): RelyingParty {
  const url = new URL(config.publicUrl);
  return { id: url.hostname, name: 'Bulwark', origin: url.origin };
}

/** The resource indicator of the Bulwark API: the audience of its access tokens. */
function apiAudience(config: Config): string {
  return `${config.publicUrl.replace(/\/+$/, '')}/v1`;
}

// An org's slug never changes, so it is cached for the node's life (bounded); an unknown org has none.
function orgSlugLookup(orgs: OrgService): (orgId: OrgId) => Promise<string | null> {
  const slugs = new LRUCache<OrgId, string>({ max: 10_000 });
  return async (orgId) => {
    const cached = slugs.get(orgId);
    if (cached !== undefined) return cached;
    try {
      const org = await orgs.get(orgId);
      slugs.set(orgId, org.slug);
      return org.slug;
    } catch {
      return null;
    }
  };
}

// A node starts on its in-process fallback counters when Redis does not answer in time; it switches once connected.
async function waitForRedis(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Builds the HTTP app of a runtime; `accepting` turns false when shutdown begins. `routes` receives the protected-route table. */
export async function buildApp(
  runtime: Runtime,
  state: { accepting: boolean } = { accepting: true },
  routes: ProtectedRoute[] = [],
): Promise<FastifyInstance> {
  return buildHttpServer({
    config: runtime.config,
    logger: runtime.logger,
    metrics: runtime.services.metrics,
    registerRoutes: (app) => {
      routes.push(...registerApiRoutes(app, runtime.services));
      mountOidcProvider(app, runtime.services.oidc, { https: runtime.config.publicUrl.startsWith('https://') });
      registerSignInRoutes(app, runtime.services.oidc);
      registerAccountRoutes(app, runtime.services);
      registerSetupRoutes(app, runtime.services);
    },
    health: {
      accepting: () => state.accepting,
      readiness: async () => {
        try {
          await runtime.db.ping();
        } catch {
          return [{ name: 'database', ok: false, detail: 'unreachable' }];
        }
        const { pending } = await migrationStatus(runtime.db);
        const feed = runtime.db.pushedCommits;
        return [
          { name: 'database', ok: true },
          {
            name: 'migrations',
            ok: pending.length === 0,
            ...(pending.length ? { detail: `pending: ${pending.join(', ')}` } : {}),
          },
          // A stale feed costs a read per request, not correctness: the node stays ready and says so.
          ...(feed ? [{ name: 'cache_push', ok: true, ...(feed.isFresh() ? {} : { detail: feedDetail(feed) }) }] : []),
        ];
      },
    },
  });
}

function feedDetail(feed: PushedCommits): string {
  const why =
    feed.subscription === undefined ? `not subscribed (${feed.failedAttempts} failed attempts)` : 'heartbeats late';
  return `${why}: org generations are read from the database`;
}

function printBanner(address: string, publicUrl: string, bootstrap: BootstrapResult | undefined): void {
  const lines = [`Bulwark is listening on ${address}`];
  if (new URL(publicUrl).origin !== new URL(address).origin) lines.push(`Public URL: ${publicUrl}`);
  if (bootstrap) {
    lines.push(
      '',
      'First start: the platform org and its owner were created.',
      `Bootstrap secret (shown once, single use, expires ${bootstrap.expiresAt.toISOString()}):`,
      '',
      `    ${bootstrap.secret}`,
      '',
      `Open ${publicUrl.replace(/\/+$/, '')}/setup in a browser, paste it and register a passkey: you get the`,
      "platform owner's first API key (or use POST /v1/bootstrap/passkey-options, then POST /v1/bootstrap/redeem).",
    );
  }
  // The secret goes to the terminal only, never through the logger.
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `bulwark serve`: opens the runtime, bootstraps on first start, listens, and shuts down gracefully on SIGTERM/SIGINT. */
export async function serve(config: Config): Promise<void> {
  const runtime = await openRuntime(config);
  const state = { accepting: true };
  const { bootstrap } = runtime;
  const app = await buildApp(runtime, state);
  const address = await app.listen({ host: config.host, port: config.port });
  runtime.services.billing.connectSandboxWebhooks(address);
  printBanner(address, config.publicUrl, bootstrap);
  runtime.auditSealer.start();
  runtime.jobs.start();
  // Load the guard's embedding model in the background; until it is up, scans wait for it (bounded) rather than fail.
  void runtime.services.guard
    .warmUp()
    .catch((error: unknown) =>
      runtime.logger.error(
        { err: error },
        'guard workers (embedding model or names stage) failed to start; scans fail closed',
      ),
    );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    state.accepting = false;
    runtime.logger.info({ signal }, 'shutting down: draining requests');
    const force = setTimeout(() => {
      runtime.logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 5_000);
    force.unref();
    await app.close();
    await runtime.close();
    runtime.logger.info('shutdown complete');
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

// Operator commands open the core only: they never bootstrap, so the one-time secret is printed by `serve` alone.
async function openServices(config: Config): Promise<OperatorServices> {
  const runtime = await openCore(config, {
    logger: createLogger({ level: 'warn', maskRecord: maskLogFormatter, destination: process.stderr }),
  });
  return {
    config,
    db: runtime.db,
    audit: runtime.audit,
    orgs: runtime.orgs,
    issueOwnerSetup: (orgId, email) =>
      issueOwnerSetupFromShell(
        { db: runtime.db, clock: runtime.clock, audit: runtime.audit },
        { orgId, ...(email ? { email } : {}), ttlMinutes: config.ownerSetupTtlHours * 60 },
      ),
    reissueBootstrap: () =>
      reissueBootstrapSecret(
        { db: runtime.db, clock: runtime.clock, audit: runtime.audit },
        { ttlMinutes: config.bootstrapTtlMinutes },
      ),
    rotateKek: ({ resume }) =>
      rotateKek(runtime.db, runtime.vault, {
        listOrgIds: () => runtime.orgs.allIds(),
        clock: runtime.clock,
        createVersion: !resume,
      }),
    rotateSigningKey: async () =>
      rotateSigningKeyNow(
        {
          db: runtime.db,
          cipher: new FieldCipher({ vault: runtime.vault, clock: runtime.clock }),
          audit: runtime.audit,
          clock: runtime.clock,
          platformOrgId: await findPlatformOrgId(runtime.db),
          accessTokenTtlSeconds: config.oidc.accessTokenTtlSeconds,
        },
        { type: 'system', id: 'cli' },
      ),
    users: async () => {
      const platformOrgId = await findPlatformOrgId(runtime.db);
      const { db, audit, clock } = runtime;
      const cipher = new FieldCipher({ vault: runtime.vault, clock });
      const identity = openIdentity({
        db,
        cipher,
        audit,
        clock,
        platformOrgId,
        counterStore: { kind: 'memory' },
        accountKeyOf: await loadAccountKeyOf({ db, cipher, platformOrgId }),
        endSignIns: endSignInsOf({ audit, platformOrgId }),
      });
      return operatorUsers({ db, audit, clock, platformOrgId, identity });
    },
    resetPolicies: async (orgId) => {
      await runtime.orgs.get(orgId);
      const engine = createAuthzEngine({
        platformOrgId: await findPlatformOrgId(runtime.db),
        clock: runtime.clock,
        onAlert: () => undefined,
      });
      const store = new PolicyStore({
        db: runtime.db,
        engine,
        audit: runtime.audit,
        clock: runtime.clock,
        generations: new OrgGenerations(runtime.db),
      });
      return store.reset(orgId, { actor: { type: 'system', id: 'cli' } });
    },
    rollbackPrompt: (orgId, name, toVersion) =>
      runtime.db.withTenant(orgId, (sql) =>
        new PromptService({ db: runtime.db, audit: runtime.audit, clock: runtime.clock }).rollback(
          sql,
          name,
          toVersion,
          {
            actor: { type: 'system', id: 'cli' },
          },
        ),
      ),
    rollbackRoute: (orgId, name, toVersion) => {
      const builtIn = config.gateway.localProvider ? new BuiltInCatalog(new LocalProvider()) : new EmptyCatalog();
      const routes = new RouteService({
        db: runtime.db,
        audit: runtime.audit,
        clock: runtime.clock,
        modelKind: modelKindIn(builtIn),
      });
      return runtime.db.withTenant(orgId, (sql) =>
        routes.rollback(sql, name, toVersion, { actor: { type: 'system', id: 'cli' } }),
      );
    },
    close: () => runtime.close(),
  };
}

/** The doctor's check of the serving login: production fails on a superuser, BYPASSRLS or table-owning login. */
async function servingRoleCheck(config: Config, db: Db): Promise<DoctorCheck> {
  if (db.kind === 'pglite') {
    return {
      name: 'database role',
      ok: config.env !== 'production' || config.allowDevShortcuts,
      detail:
        'embedded PGlite has one superuser connection: queries switch to bulwark_app, but injected SQL could RESET ROLE (use PostgreSQL with a serving login in production)',
    };
  }
  const report = await inspectServingRole(db);
  if (report.problems.length === 0)
    return {
      name: 'database role',
      ok: true,
      detail: `login ${report.login}: no superuser, no BYPASSRLS, owns no table`,
    };
  return {
    name: 'database role',
    ok: config.env !== 'production',
    detail: `${report.problems.join('; ')}${config.env === 'production' ? '' : ' (production refuses this)'}`,
  };
}

async function doctor(config: Config): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [
    { name: 'config', ok: true, detail: `environment ${config.env}, listening on ${config.host}:${config.port}` },
  ];
  const shortcuts = developmentShortcuts(config);
  checks.push({
    name: 'production',
    ok: config.env !== 'production' || config.allowDevShortcuts || shortcuts.length === 0,
    detail: shortcuts.length
      ? `development shortcuts: ${shortcuts.map((s) => s.setting).join(', ')}${config.env === 'production' ? '' : ' (fine outside production)'}`
      : 'no development shortcuts',
  });
  let db: Db | undefined;
  try {
    db = await openDb(config);
    await db.ping();
    checks.push({
      name: 'database',
      ok: true,
      detail: db.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL reachable',
    });
    checks.push(await servingRoleCheck(config, db));
    const { pending } = await migrationStatus(db);
    checks.push({
      name: 'migrations',
      ok: pending.length === 0,
      detail: pending.length ? `pending ${pending.join(', ')}: run bulwark migrate` : 'up to date',
    });
    await checkEnvironment(db, config.env).then(
      () => checks.push({ name: 'environment', ok: true, detail: `database belongs to ${config.env}` }),
      (error: unknown) =>
        checks.push({ name: 'environment', ok: false, detail: error instanceof Error ? error.message : String(error) }),
    );
  } catch (error) {
    checks.push({ name: 'database', ok: false, detail: error instanceof Error ? error.message : String(error) });
  } finally {
    await db?.close();
  }
  if (config.migrationDatabaseUrl !== undefined) {
    await openMigrationDb(config).then(
      async (owner) => {
        await owner.close();
        checks.push({
          name: 'migration db',
          ok: true,
          detail: 'owner connection (BULWARK_MIGRATION_DATABASE_URL) reachable',
        });
      },
      (error: unknown) =>
        checks.push({
          name: 'migration db',
          ok: false,
          detail: `BULWARK_MIGRATION_DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`,
        }),
    );
  }
  if (config.redisUrl) {
    await pingRedis(config.redisUrl.reveal()).then(
      () => checks.push({ name: 'redis', ok: true, detail: 'Redis answers PING' }),
      (error: unknown) =>
        checks.push({
          name: 'redis',
          ok: false,
          detail: `Redis unreachable: ${error instanceof Error ? error.message : String(error)}`,
        }),
    );
  }
  try {
    const vault = await openKeyVault(config);
    const probe = Buffer.from('bulwark-doctor');
    const wrapped = await vault.wrap(probe, probe);
    const macKeyId = vault.currentMacKeyId();
    const ok =
      (await vault.unwrap(wrapped.wrapped, wrapped.kekVersion, probe)).equals(probe) &&
      (await vault.verifyMac(macKeyId, probe, await vault.mac(macKeyId, probe)));
    checks.push({
      name: 'vault',
      ok,
      detail: `${vault.kind} key vault, key-encryption key version ${vault.currentKekVersion()}, audit MAC key ${macKeyId}`,
    });
    await vault.close();
  } catch (error) {
    checks.push({ name: 'vault', ok: false, detail: error instanceof Error ? error.message : String(error) });
  }
  return checks;
}

/** The CLI's view of this composition root. */
export const cliContext: CliContext = {
  loadConfig: loadProcessConfig,
  openServices,
  serve,
  doctor,
  migrate: async (config) => {
    assertProductionSafe(config);
    const vault = await openKeyVault(config);
    try {
      return await prepareWithMigrationDb(config, vault);
    } finally {
      await vault.close();
    }
  },
};

/** Entry point of the `bulwark` command. */
export async function runCli(argv: readonly string[]): Promise<void> {
  await buildProgram(cliContext).parseAsync([...argv]);
}
