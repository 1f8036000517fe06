import { z } from 'zod';
import { Secret } from '../lib/secret.js';

const secretString = z
  .string()
  .min(1)
  .transform((value) => new Secret(value));

const booleanish = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

const pkcs11Schema = z
  .object({
    module: z
      .string()
      .min(1)
      .describe('Path of the PKCS#11 module (.so) of the HSM, e.g. /usr/lib/softhsm/libsofthsm2.so.'),
    tokenLabel: z.string().min(1).describe('Label of the token (slot) that holds the key-encryption keys.'),
    pin: secretString.describe('User PIN of the token.'),
    keyLabel: z
      .string()
      .min(1)
      .default('bulwark-kek')
      .describe('Label prefix of the key-encryption keys; the version is appended (`bulwark-kek-1`).'),
  })
  .describe('PKCS#11 HSM settings; required when vault.kind is pkcs11.');

const count = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

// A finding class a remote detector reports, e.g. `injection.remote_classifier` (no wildcards).
const findingClass = z
  .string()
  .regex(/^[a-z0-9_]+(?:\.[a-z0-9_]+)+$/, 'a finding class like injection.remote_classifier');
const guardHook = z.enum(['input', 'output']);

// Settings every remote guard detector has.
const remoteDetectorFields = (timeoutMs: number) => ({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_]{0,47}$/, 'lower case letters, digits and _')
    .describe('Names the detector in findings, logs and its circuit breaker; unique.'),
  baseUrl: z.url({ protocol: /^https?$/ }).describe('Base URL of the server.'),
  token: secretString.optional().describe('Bearer token sent in the Authorization header; never logged.'),
  breaker: z
    .object({
      failureThreshold: count(1, 1_000, 5).describe('Consecutive failures that open the circuit.'),
      coolDownMs: count(100, 3_600_000, 30_000).describe(
        'How long an open circuit fails scans at once before one probe call is let through.',
      ),
    })
    .prefault({}),
  timeoutMs: count(50, 120_000, timeoutMs).describe('Limit of one call, sending to last byte (ms).'),
});

const teiClassifierSchema = z.object({
  kind: z.literal('tei_classifier'),
  ...remoteDetectorFields(2_000),
  labels: z
    .record(z.string().min(1).max(256), findingClass)
    .default({ INJECTION: 'injection.remote_classifier' })
    .describe('Labels that mean an attack (any case) and the finding class each reports; other labels are benign.'),
  threshold: z.coerce.number().min(0.01).max(0.99).default(0.5),
  hooks: z.array(guardHook).min(1).default(['input']),
  maxBatchSize: count(1, 1_024, 32),
  batchWaitMs: count(0, 1_000, 5),
  chunkChars: count(200, 100_000, 2_000),
  maxChunks: count(1, 10_000, 64),
});

const guardModelSchema = z.object({
  kind: z.literal('guard_model'),
  ...remoteDetectorFields(5_000),
  model: z.string().min(1).max(256),
  hooks: z.array(guardHook).min(1).default(['input', 'output']),
  maxTokens: count(1, 256, 20),
  categories: z.record(z.string().regex(/^S\d{1,3}$/, 'a category code like S15'), findingClass).default({}),
});

// The environment variable holds the list as JSON; the config file holds it as a JSON array.
const jsonList = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};

const guardRemoteDetectorsSchema = z
  .preprocess(
    jsonList,
    z
      .array(z.discriminatedUnion('kind', [teiClassifierSchema, guardModelSchema]))
      .max(16)
      .refine((list) => new Set(list.map((d) => d.name)).size === list.length, 'detector names must be unique'),
  )
  .default([])
  .describe(
    'Guard detectors that ask a classifier served elsewhere, off by default (docs/guard-policy.md, "Remote detectors"). Each entry: `kind` `tei_classifier` (text-embeddings-inference `POST {baseUrl}/predict`: `labels` attack label → class, default `{"INJECTION":"injection.remote_classifier"}`; `threshold` 0.5; `hooks` `["input"]`; `timeoutMs` 2000; `maxBatchSize` 32; `batchWaitMs` 5; `chunkChars` 2000; `maxChunks` 64) or `guard_model` (Llama Guard style behind an OpenAI-compatible `POST {baseUrl}/chat/completions`: `model`; `hooks` `["input","output"]`; `timeoutMs` 5000; `maxTokens` 20; `categories` code → class over the Llama Guard 3 table); both with `name`, `baseUrl`, optional bearer `token`, `breaker.failureThreshold` 5 and `breaker.coolDownMs` 30000. A detector that cannot answer blocks the text.',
  );

const gatewayUsageSchema = z
  .object({
    costGuardWindowSeconds: count(60, 3_600, 300).describe(
      "Short window of the cost guard, in seconds (rounded to whole minutes): an org's spend in it is compared with its baseline.",
    ),
    costGuardBaselineSeconds: count(600, 86_400, 3_600).describe(
      'Trailing period before the window whose mean spend per window is the baseline, in seconds.',
    ),
    costGuardFactor: count(2, 1_000, 10).describe(
      'The cost guard trips when the window spend exceeds this many times the baseline (and the floor).',
    ),
    costGuardFloorMicros: count(0, Number.MAX_SAFE_INTEGER, 5_000_000).describe(
      'Minimum window spend, in micro-units of currency, before the cost guard can trip (so a quiet org is not blocked by its first calls).',
    ),
    staleReservationSeconds: count(60, 86_400, 900).describe(
      'A budget reservation older than this is treated as abandoned (its node died mid-call) and released when a limit is reached.',
    ),
  })
  .prefault({})
  .describe(
    'Gateway usage metering. RPM/TPM counters live in Redis when redisUrl is set (prefix authThrottle.keyPrefix), in process otherwise; budgets live in the database.',
  );

const authThrottleSchema = z
  .object({
    sourceFailures: count(1, 100_000, 30).describe(
      'Failed authentications allowed per source address (IPv6: per /64) in a window; the next one blocks the source, which is then refused with 429 before any credential is looked at.',
    ),
    keyFailures: count(1, 100_000, 10).describe(
      'Failed authentications allowed per presented API key id (whether it exists or not) in a window; further wrong secrets for it get 429. The valid key itself is never refused by this limit.',
    ),
    windowSeconds: count(1, 86_400, 60).describe('Window over which failures are counted, in seconds.'),
    blockSeconds: count(1, 86_400, 60).describe(
      'First block of a source or key id, in seconds; each further block of it within a day doubles (backoff).',
    ),
    maxBlockSeconds: count(1, 7 * 86_400, 3_600).describe('Longest block, in seconds.'),
    eventWindowSeconds: count(1, 86_400, 60).describe(
      'Rejected-credential audit events are aggregated per org, source, key id and reason over this window: the first is written, later ones are counted into one summary event.',
    ),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{1,64}$/)
      .default('bulwark')
      .describe('Prefix of the throttling counters in Redis; every node of one deployment must use the same.'),
  })
  .prefault({})
  .describe(
    'Throttling of failed authentication. Counters live in Redis when redisUrl is set (shared by all nodes), in process otherwise.',
  );

/** The whole configuration of a Bulwark node. Every field is described; docs/reference/config.md is generated from this. */
export const configSchema = z.object({
  env: z
    .enum(['development', 'test', 'production'])
    .default('development')
    .describe(
      'Deployment environment. Production refuses development shortcuts and databases created by other environments.',
    ),
  host: z.string().min(1).default('127.0.0.1').describe('Interface the HTTP server listens on.'),
  port: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(8080)
    .describe('TCP port the HTTP server listens on (0 picks a free port).'),
  publicUrl: z
    .url()
    .optional()
    .describe(
      'External base URL of this server (also the OIDC issuer and the passkey relying party). Defaults to http://HOST:PORT, with `localhost` for a loopback HOST (browsers take no IP address as a passkey relying party). Must be https in production.',
    ),
  dataDir: z
    .string()
    .min(1)
    .default('./.bulwark')
    .describe('Folder for embedded data: the PGlite database and, in development, the local key file.'),
  databaseUrl: secretString
    .optional()
    .describe(
      'PostgreSQL connection string of the serving connection. Its login must own nothing and be only a member of bulwark_app (not a superuser, no BYPASSRLS); production refuses any other. When unset, the embedded PGlite database in dataDir is used.',
    ),
  migrationDatabaseUrl: secretString
    .optional()
    .describe(
      'PostgreSQL connection string of the schema owner, used only to run migrations (`bulwark migrate`, and `serve` before it listens). When set, migrate also creates the login DATABASE_URL names (NOINHERIT, member of bulwark_app only) if it is missing. Defaults to DATABASE_URL, which suits development only.',
    ),
  cachePushBoundMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(250)
    .describe(
      "On PostgreSQL, the longest a change committed through another node or an operator's shell (a revoked key or grant, a role, a policy, a frozen org) may go unseen by this node's caches (ms). Other writers' changes are pushed to each node (LISTEN/NOTIFY) with heartbeats; whenever the push is not that fresh, requests read the org's generation from the database. 0 reads it on every request. Changes made through this node hold on its next request either way.",
    ),
  redisUrl: secretString
    .optional()
    .describe(
      'Redis connection string for shared counters, replay caches and revocation. When unset, in-process counters are used.',
    ),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Minimum level of the JSON logs.'),
  bodyLimitBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('Largest accepted request body, in bytes.'),
  trustProxy: booleanish
    .default(false)
    .describe('Trust X-Forwarded-* headers from a reverse proxy for client ip and protocol.'),
  shutdownGraceMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(120_000)
    .default(10_000)
    .describe('How long graceful shutdown waits for in-flight requests before closing.'),
  sessionSecret: secretString
    .optional()
    .describe(
      'Unused: the OpenID provider signs its session cookies with keys it generates on first start and keeps encrypted in the database (the same on every node).',
    ),
  metricsToken: secretString
    .optional()
    .describe('Bearer token Prometheus must send to GET /metrics. Without it, /metrics is disabled.'),
  bootstrapTtlMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60)
    .describe('Lifetime of the one-time bootstrap secret printed on first start.'),
  ownerSetupTtlHours: count(1, 30 * 24, 72).describe(
    "Lifetime (hours) of a new org owner's one-time setup secret, redeemed with a passkey for the owner's first key.",
  ),
  passkeyKeyMaxDays: count(1, 365, 90).describe(
    'Longest life (days) of an API key that carries `hwk` (minted in a passkey session) with an owner, admin, security or finance role; such a key gets this expiry when none is given, and a later one is refused.',
  ),
  authThrottle: authThrottleSchema,
  gatewayUsage: gatewayUsageSchema,
  gateway: z
    .object({
      localProvider: booleanish
        .default(true)
        .describe(
          'Serve the built-in deterministic `local` models (bulwark-local-chat, bulwark-local-embed), so the gateway answers without any provider key. Production refuses them unless allowLocalProviderInProduction is set.',
        ),
      allowLocalProviderInProduction: booleanish
        .default(false)
        .describe('Lets production start with the built-in local models enabled (demos, smoke tests).'),
      streamHoldBackChars: z.coerce
        .number()
        .int()
        .min(1)
        .max(4096)
        .default(64)
        .describe(
          'Characters of streamed model output held back until the text after them has been scanned by the output guard; larger windows catch longer findings split across chunks and delay the first chunk more.',
        ),
    })
    .default({ localProvider: true, allowLocalProviderInProduction: false, streamHoldBackChars: 64 })
    .describe('The AI gateway (/v1/chat/completions, /v1/responses, /v1/embeddings, /v1/models).'),
  billing: z
    .object({
      processor: z
        .enum(['sandbox', 'stripe'])
        .default('sandbox')
        .describe(
          "The payment processor: `sandbox` starts Bulwark's Stripe-compatible sandbox in-process (test cards only; production refuses it unless allowSandboxInProduction), `stripe` calls Stripe with stripeSecretKey.",
        ),
      stripeSecretKey: secretString
        .optional()
        .describe('Stripe secret API key (`sk_live_…` / `sk_test_…`); required with processor `stripe`.'),
      stripeWebhookSecrets: secretString
        .optional()
        .describe(
          'Stripe webhook signing secrets (`whsec_…`), comma-separated: during a rotation both the new and the old one; required with processor `stripe`.',
        ),
      allowSandboxInProduction: booleanish
        .default(false)
        .describe('Lets production start with the sandbox processor (staging drills only: no real payment is taken).'),
      recoveryGraceDays: count(0, 60, 7).describe(
        'Days after a failed payment during which the org keeps its paid entitlements while recovery retries the charge or waits for the customer; after them, recovery reports the grace as over.',
      ),
      recoveryRunIntervalSeconds: count(1, 86_400, 900).describe(
        "How often each node's job runner looks for failed-payment retries that have come due (the retries are scheduled in days; several nodes may look at once, each attempt is claimed first).",
      ),
      usageReportRunIntervalSeconds: count(1, 86_400, 3_600).describe(
        "How often each node's job runner reports last month's metered tokens of the orgs in billing that were not reported yet (once per org and month: the processor keeps one meter event per identifier).",
      ),
      renewalRunIntervalSeconds: count(1, 86_400, 900).describe(
        "How often each node's job runner charges the paid periods and trials that have ended (a renewal is charged at most this long after its period ends; several nodes may look at once, each charge is claimed under one key first).",
      ),
    })
    .default({
      processor: 'sandbox',
      allowSandboxInProduction: false,
      recoveryGraceDays: 7,
      recoveryRunIntervalSeconds: 900,
      renewalRunIntervalSeconds: 900,
      usageReportRunIntervalSeconds: 3_600,
    })
    .superRefine((billing, ctx) => {
      if (billing.processor !== 'stripe') return;
      if (!billing.stripeSecretKey)
        ctx.addIssue({ code: 'custom', path: ['stripeSecretKey'], message: 'required with processor stripe' });
      if (!billing.stripeWebhookSecrets)
        ctx.addIssue({ code: 'custom', path: ['stripeWebhookSecrets'], message: 'required with processor stripe' });
    })
    .describe('Payments (/v1/orgs/{org_id}/billing/…, the processor webhook).'),
  jobs: z
    .object({
      pollIntervalMs: z.coerce
        .number()
        .int()
        .min(50)
        .max(60_000)
        .default(1_000)
        .describe('How long the job runner waits between polls of the jobs table when nothing was due.'),
      leaseSeconds: z.coerce
        .number()
        .int()
        .min(5)
        .max(3_600)
        .default(60)
        .describe(
          'How long a node holds a job it is running; a job still unfinished then (its node died) is run again by another node.',
        ),
    })
    .default({ pollIntervalMs: 1_000, leaseSeconds: 60 })
    .describe('The background job runner `bulwark serve` starts (webhook deliveries and retries).'),
  webhooks: z
    .object({
      allowPrivateTargets: booleanish
        .default(false)
        .describe(
          'Lets outbound webhook endpoints point at loopback, private, link-local and other non-public addresses. Off, such URLs are refused and a host that resolves to one is not connected to (SSRF). For tests and local development only.',
        ),
      timeoutMs: z.coerce
        .number()
        .int()
        .min(500)
        .max(60_000)
        .default(10_000)
        .describe('How long one outbound webhook delivery may take (connect to last byte) before it counts as failed.'),
    })
    .default({ allowPrivateTargets: false, timeoutMs: 10_000 })
    .describe('Outbound webhooks (/v1/orgs/{org_id}/webhook-endpoints).'),
  oidc: z
    .object({
      issuer: z
        .url()
        .refine(
          (url) => new URL(url).pathname === '/oidc',
          'the issuer path must be /oidc (where the provider is mounted)',
        )
        .optional()
        .describe(
          'Issuer of the embedded OpenID provider (its endpoints are served under it). Defaults to PUBLIC_URL/oidc. Must be https in production.',
        ),
      accessTokenTtlSeconds: count(60, 900, 300).describe(
        'Lifetime of an access token in seconds (RFC 9068 JWT for the Bulwark API); at most 15 minutes.',
      ),
      refreshIdleSeconds: count(300, 30 * 86_400, 86_400).describe(
        'A refresh token unused this long (seconds) expires; each use rotates it and starts the idle time again.',
      ),
      refreshAbsoluteSeconds: count(3_600, 90 * 86_400, 14 * 86_400).describe(
        'No refresh token of a sign-in lives beyond this many seconds after the sign-in (then the user signs in again).',
      ),
      sessionTtlSeconds: count(300, 30 * 86_400, 12 * 3_600).describe(
        "How long a browser's sign-in session lasts (seconds): within it the org's applications sign the user in without asking again.",
      ),
      signingKeyRotationDays: count(1, 365, 30).describe(
        'Age in days after which the job runner rotates the signing key (a new key is published one access-token lifetime before it signs).',
      ),
      keyCheckIntervalSeconds: count(10, 86_400, 300).describe(
        "How often each node's job runner checks whether the signing key is due for rotation and drops keys no token can need any more.",
      ),
      cleanupIntervalSeconds: count(10, 86_400, 600).describe(
        'How often the job runner deletes expired provider records (tokens, grants, sessions, interactions).',
      ),
    })
    .prefault({})
    .describe(
      'The embedded OpenID provider (/oidc): sign-in with the authorization code flow (PKCE), rotating refresh tokens, client_credentials for service accounts, introspection, revocation, logout.',
    ),
  mail: z
    .object({
      transport: z
        .enum(['outbox', 'smtp'])
        .default('outbox')
        .describe(
          "How invitation and password-reset e-mails leave: `outbox` keeps them in the database's development outbox, where the operator reads them with `bulwark outbox` (the embedded default; production refuses it unless allowDevShortcuts); `smtp` sends them through smtpUrl and clears each body once sent.",
        ),
      smtpUrl: secretString
        .optional()
        .describe(
          'SMTP server with its credentials, `smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465`; required with transport `smtp`.',
        ),
      from: z
        .string()
        .trim()
        .min(3)
        .max(320)
        .default('Bulwark <no-reply@localhost>')
        .describe('The From header of the e-mails Bulwark sends, e.g. `Bulwark <no-reply@example.com>`.'),
      deliveryIntervalSeconds: count(1, 3_600, 5).describe(
        "How often each node's job runner delivers the queued e-mails (failed ones are retried with backoff).",
      ),
    })
    .prefault({})
    .superRefine((mail, ctx) => {
      if (mail.transport === 'smtp' && !mail.smtpUrl)
        ctx.addIssue({ code: 'custom', path: ['smtpUrl'], message: 'required with transport smtp' });
    })
    .describe('E-mail to users: invitations and password resets (links with single-use tokens).'),
  guardEmbeddingStage: booleanish
    .default(true)
    .describe(
      'Run the embedding classifier stage of the injection and toxicity detectors (in a worker thread, about 120 MB). Off, they decide on their lexical stage alone: less recall on paraphrased attacks. For benchmarks and small nodes.',
    ),
  guardRemoteDetectors: guardRemoteDetectorsSchema,
  allowDevShortcuts: booleanish
    .default(false)
    .describe(
      'Lets production start with development shortcuts (local key file, embedded database, HTTP URL). For staging drills only.',
    ),
  vault: z
    .discriminatedUnion('kind', [
      z.object({
        kind: z.literal('local').describe('Key-encryption keys in a local key file (development only).'),
        keyFile: z
          .string()
          .min(1)
          .optional()
          .describe('Path of the local key file (mode 0600). Defaults to DATA_DIR/vault.key.'),
      }),
      z.object({
        kind: z.literal('pkcs11').describe('Key-encryption keys in a PKCS#11 HSM; they never leave it.'),
        keyFile: z.string().min(1).optional().describe('Unused with pkcs11.'),
        pkcs11: pkcs11Schema,
      }),
    ])
    .default({ kind: 'local' })
    .describe('Key vault that wraps data-encryption keys (BULWARK_VAULT=local|pkcs11).'),
});

export type ConfigInput = z.input<typeof configSchema>;
type ParsedConfig = z.output<typeof configSchema>;
/** The resolved configuration: defaults applied, derived paths and URLs filled in, frozen. */
export type Config = Readonly<
  Omit<ParsedConfig, 'publicUrl' | 'vault' | 'oidc'> & {
    publicUrl: string;
    oidc: Readonly<ParsedConfig['oidc'] & { issuer: string }>;
    vault: Readonly<ParsedConfig['vault'] & { keyFile: string }>;
  }
>;

/** Environment variables and the config path each one sets. */
export const envBindings: Readonly<Record<string, readonly string[]>> = {
  BULWARK_ENV: ['env'],
  HOST: ['host'],
  BULWARK_HOST: ['host'],
  PORT: ['port'],
  BULWARK_PORT: ['port'],
  BULWARK_PUBLIC_URL: ['publicUrl'],
  BULWARK_DATA_DIR: ['dataDir'],
  DATABASE_URL: ['databaseUrl'],
  BULWARK_MIGRATION_DATABASE_URL: ['migrationDatabaseUrl'],
  BULWARK_CACHE_PUSH_BOUND_MS: ['cachePushBoundMs'],
  REDIS_URL: ['redisUrl'],
  BULWARK_LOG_LEVEL: ['logLevel'],
  BULWARK_BODY_LIMIT_BYTES: ['bodyLimitBytes'],
  BULWARK_TRUST_PROXY: ['trustProxy'],
  BULWARK_SHUTDOWN_GRACE_MS: ['shutdownGraceMs'],
  BULWARK_SESSION_SECRET: ['sessionSecret'],
  BULWARK_BOOTSTRAP_TTL_MINUTES: ['bootstrapTtlMinutes'],
  BULWARK_OWNER_SETUP_TTL_HOURS: ['ownerSetupTtlHours'],
  BULWARK_METRICS_TOKEN: ['metricsToken'],
  BULWARK_ALLOW_DEV_SHORTCUTS: ['allowDevShortcuts'],
  BULWARK_AUTH_THROTTLE_SOURCE_FAILURES: ['authThrottle', 'sourceFailures'],
  BULWARK_AUTH_THROTTLE_KEY_FAILURES: ['authThrottle', 'keyFailures'],
  BULWARK_AUTH_THROTTLE_WINDOW_SECONDS: ['authThrottle', 'windowSeconds'],
  BULWARK_AUTH_THROTTLE_BLOCK_SECONDS: ['authThrottle', 'blockSeconds'],
  BULWARK_AUTH_THROTTLE_MAX_BLOCK_SECONDS: ['authThrottle', 'maxBlockSeconds'],
  BULWARK_AUTH_THROTTLE_EVENT_WINDOW_SECONDS: ['authThrottle', 'eventWindowSeconds'],
  BULWARK_AUTH_THROTTLE_KEY_PREFIX: ['authThrottle', 'keyPrefix'],
  BULWARK_GATEWAY_LOCAL_PROVIDER: ['gateway', 'localProvider'],
  BULWARK_BILLING_PROCESSOR: ['billing', 'processor'],
  BULWARK_BILLING_STRIPE_SECRET_KEY: ['billing', 'stripeSecretKey'],
  BULWARK_BILLING_STRIPE_WEBHOOK_SECRETS: ['billing', 'stripeWebhookSecrets'],
  BULWARK_BILLING_ALLOW_SANDBOX_IN_PRODUCTION: ['billing', 'allowSandboxInProduction'],
  BULWARK_BILLING_RECOVERY_GRACE_DAYS: ['billing', 'recoveryGraceDays'],
  BULWARK_BILLING_RECOVERY_RUN_INTERVAL_SECONDS: ['billing', 'recoveryRunIntervalSeconds'],
  BULWARK_BILLING_RENEWAL_RUN_INTERVAL_SECONDS: ['billing', 'renewalRunIntervalSeconds'],
  BULWARK_BILLING_USAGE_REPORT_RUN_INTERVAL_SECONDS: ['billing', 'usageReportRunIntervalSeconds'],
  BULWARK_GATEWAY_ALLOW_LOCAL_PROVIDER_IN_PRODUCTION: ['gateway', 'allowLocalProviderInProduction'],
  BULWARK_GATEWAY_STREAM_HOLD_BACK_CHARS: ['gateway', 'streamHoldBackChars'],
  BULWARK_GUARD_EMBEDDING_STAGE: ['guardEmbeddingStage'],
  BULWARK_GUARD_REMOTE_DETECTORS: ['guardRemoteDetectors'],
  BULWARK_MAIL_TRANSPORT: ['mail', 'transport'],
  BULWARK_MAIL_SMTP_URL: ['mail', 'smtpUrl'],
  BULWARK_MAIL_FROM: ['mail', 'from'],
  BULWARK_MAIL_DELIVERY_INTERVAL_SECONDS: ['mail', 'deliveryIntervalSeconds'],
  BULWARK_JOBS_POLL_INTERVAL_MS: ['jobs', 'pollIntervalMs'],
  BULWARK_JOBS_LEASE_SECONDS: ['jobs', 'leaseSeconds'],
  BULWARK_WEBHOOKS_ALLOW_PRIVATE_TARGETS: ['webhooks', 'allowPrivateTargets'],
  BULWARK_WEBHOOKS_TIMEOUT_MS: ['webhooks', 'timeoutMs'],
  BULWARK_OIDC_ISSUER: ['oidc', 'issuer'],
  BULWARK_OIDC_ACCESS_TOKEN_TTL_SECONDS: ['oidc', 'accessTokenTtlSeconds'],
  BULWARK_OIDC_REFRESH_IDLE_SECONDS: ['oidc', 'refreshIdleSeconds'],
  BULWARK_OIDC_REFRESH_ABSOLUTE_SECONDS: ['oidc', 'refreshAbsoluteSeconds'],
  BULWARK_OIDC_SESSION_TTL_SECONDS: ['oidc', 'sessionTtlSeconds'],
  BULWARK_PASSKEY_KEY_MAX_DAYS: ['passkeyKeyMaxDays'],
  BULWARK_OIDC_SIGNING_KEY_ROTATION_DAYS: ['oidc', 'signingKeyRotationDays'],
  BULWARK_OIDC_KEY_CHECK_INTERVAL_SECONDS: ['oidc', 'keyCheckIntervalSeconds'],
  BULWARK_OIDC_CLEANUP_INTERVAL_SECONDS: ['oidc', 'cleanupIntervalSeconds'],
  BULWARK_VAULT: ['vault', 'kind'],
  BULWARK_VAULT_KEY_FILE: ['vault', 'keyFile'],
  BULWARK_PKCS11_MODULE: ['vault', 'pkcs11', 'module'],
  BULWARK_PKCS11_TOKEN_LABEL: ['vault', 'pkcs11', 'tokenLabel'],
  BULWARK_PKCS11_PIN: ['vault', 'pkcs11', 'pin'],
  BULWARK_PKCS11_KEY_LABEL: ['vault', 'pkcs11', 'keyLabel'],
};
