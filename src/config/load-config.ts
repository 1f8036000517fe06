import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../lib/errors/index.js';
import { configSchema, envBindings, type Config } from './schema.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', '[::1]', 'localhost', '0.0.0.0', '::']);

// A node on a loopback (or every) interface is reached as `localhost` by default: browsers refuse an IP address
// as a WebAuthn relying party, so passkeys work on the embedded default only under a host name.
function defaultPublicUrl(host: string, port: number): string {
  return `http://${LOOPBACK_HOSTS.has(host) ? 'localhost' : host}:${port}`;
}

/** Where configuration comes from: the environment and, optionally, a JSON file named by BULWARK_CONFIG_FILE. */
export interface ConfigSources {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads the config file; injectable for tests. */
  readFile?: (file: string) => string;
}

type Tree = Record<string, unknown>;

function setAt(tree: Tree, keys: readonly string[], value: string): void {
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1] as string] = value;
}

function readConfigFile(file: string, read: (file: string) => string): Tree {
  let text: string;
  try {
    text = read(file);
  } catch (cause) {
    throw new AppError('config.invalid', {
      publicMessage: `cannot read config file ${file}`,
      cause,
      details: { issues: [{ path: 'BULWARK_CONFIG_FILE', message: 'file not readable' }] },
    });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Tree;
  } catch (cause) {
    throw new AppError('config.invalid', {
      publicMessage: `config file ${file} is not a JSON object`,
      cause,
      details: { issues: [{ path: 'BULWARK_CONFIG_FILE', message: 'not a JSON object' }] },
    });
  }
}

/**
 * Builds the frozen configuration: file values first, environment variables over them.
 * Throws `config.invalid` listing every bad field by path.
 */
export function loadConfig(sources: ConfigSources): Config {
  const { env } = sources;
  const configFile = env.BULWARK_CONFIG_FILE;
  const raw: Tree = configFile ? readConfigFile(configFile, sources.readFile ?? ((f) => readFileSync(f, 'utf8'))) : {};
  for (const [name, keys] of Object.entries(envBindings)) {
    const value = env[name];
    if (value !== undefined && value !== '') setAt(raw, keys, value);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({
      path: issue.path.join('.') || '(root)',
      message: issue.message,
    }));
    throw new AppError('config.invalid', {
      publicMessage: `invalid configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      details: { issues },
    });
  }
  const config = result.data;
  const publicUrl = config.publicUrl ?? defaultPublicUrl(config.host, config.port);
  const keyFile = config.vault.keyFile ?? path.join(config.dataDir, 'vault.key');
  const issuer = config.oidc.issuer ?? `${publicUrl.replace(/\/+$/, '')}/oidc`;
  return deepFreeze({ ...config, publicUrl, oidc: { ...config.oidc, issuer }, vault: { ...config.vault, keyFile } });
}

/** The configuration of this process: its environment variables and the file BULWARK_CONFIG_FILE names. */
export function loadProcessConfig(): Config {
  return loadConfig({ env: process.env });
}

/** Development shortcuts present in this config, each named by the setting that must change. */
export function developmentShortcuts(config: Config): { setting: string; problem: string }[] {
  const found: { setting: string; problem: string }[] = [];
  if (config.vault.kind === 'local')
    found.push({ setting: 'BULWARK_VAULT', problem: 'local key file vault; use pkcs11 (an HSM) in production' });
  if (config.publicUrl.startsWith('http://'))
    found.push({ setting: 'BULWARK_PUBLIC_URL', problem: 'HTTP public URL / issuer; production needs https' });
  if (config.oidc.issuer.startsWith('http://'))
    found.push({
      setting: 'BULWARK_OIDC_ISSUER',
      problem: 'HTTP OpenID issuer (it defaults to BULWARK_PUBLIC_URL/oidc); production needs https',
    });
  if (config.databaseUrl === undefined)
    found.push({ setting: 'DATABASE_URL', problem: 'embedded PGlite database; production needs PostgreSQL' });
  if (config.gateway.localProvider && !config.gateway.allowLocalProviderInProduction)
    found.push({
      setting: 'BULWARK_GATEWAY_LOCAL_PROVIDER',
      problem:
        'built-in deterministic local models serve /v1 model calls; set it to false (or BULWARK_GATEWAY_ALLOW_LOCAL_PROVIDER_IN_PRODUCTION=true)',
    });
  if (config.billing.processor === 'sandbox' && !config.billing.allowSandboxInProduction)
    found.push({
      setting: 'BULWARK_BILLING_PROCESSOR',
      problem:
        'the sandbox payment processor takes no real payment; set it to stripe (or BULWARK_BILLING_ALLOW_SANDBOX_IN_PRODUCTION=true)',
    });
  if (config.mail.transport === 'outbox')
    found.push({
      setting: 'BULWARK_MAIL_TRANSPORT',
      problem:
        'e-mails (invitation and password-reset links) stay in the development outbox instead of being sent; set it to smtp with BULWARK_MAIL_SMTP_URL',
    });
  if (config.webhooks.allowPrivateTargets)
    found.push({
      setting: 'BULWARK_WEBHOOKS_ALLOW_PRIVATE_TARGETS',
      problem: 'outbound webhooks may reach private and loopback addresses (SSRF); set it to false',
    });
  return found;
}

/** Throws `config.dev_shortcut_in_production` when a production config carries development shortcuts not explicitly allowed. */
export function assertProductionSafe(config: Config): void {
  if (config.env !== 'production' || config.allowDevShortcuts) return;
  const shortcuts = developmentShortcuts(config);
  if (shortcuts.length === 0) return;
  throw new AppError('config.dev_shortcut_in_production', {
    publicMessage: `production refuses development shortcuts: ${shortcuts.map((s) => `${s.setting} (${s.problem})`).join('; ')}`,
    details: { settings: shortcuts },
  });
}

function deepFreeze<T>(value: T): T {
  if (
    typeof value === 'object' &&
    value !== null &&
    !Object.isFrozen(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
