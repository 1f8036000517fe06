import { describe, expect, it } from 'vitest';
import { isAppError } from '../lib/errors/index.js';
import { assertProductionSafe, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('applies defaults and derives the public URL and key file', () => {
    const config = loadConfig({ env: {} });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.vault.keyFile).toBe('.bulwark/vault.key');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every bad field by path', () => {
    try {
      loadConfig({ env: { PORT: 'abc', BULWARK_ENV: 'staging', BULWARK_VAULT: 'pkcs11' } });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, 'config.invalid')).toBe(true);
      const paths = (error as { details: { issues: { path: string }[] } }).details.issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['port', 'env', 'vault.pkcs11']));
    }
  });

  it('lets the environment override the config file', () => {
    const config = loadConfig({
      env: { BULWARK_CONFIG_FILE: 'bulwark.json', PORT: '9000' },
      readFile: () => JSON.stringify({ port: 7000, logLevel: 'warn' }),
    });
    expect(config.port).toBe(9000);
    expect(config.logLevel).toBe('warn');
  });

  it('keeps secrets out of printed config', () => {
    const config = loadConfig({ env: { DATABASE_URL: 'postgres://u:topsecret@db/x' } });
    expect(JSON.stringify(config)).not.toContain('topsecret');
    expect(config.databaseUrl?.reveal()).toContain('topsecret');
  });

  it('refuses development shortcuts in production and names each setting', () => {
    const config = loadConfig({ env: { BULWARK_ENV: 'production' } });
    try {
      assertProductionSafe(config);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, 'config.dev_shortcut_in_production')).toBe(true);
      const message = (error as Error).message;
      for (const setting of [
        'BULWARK_VAULT',
        'BULWARK_PUBLIC_URL',
        'DATABASE_URL',
        'BULWARK_GATEWAY_LOCAL_PROVIDER',
        'BULWARK_BILLING_PROCESSOR',
      ])
        expect(message).toContain(setting);
      // Nothing reads the session secret yet, so production does not ask for it.
      expect(message).not.toContain('BULWARK_SESSION_SECRET');
    }
  });

  it('lets production keep the built-in local models only when explicitly allowed', () => {
    const base = {
      BULWARK_ENV: 'production',
      BULWARK_PUBLIC_URL: 'https://bulwark.example.com',
      DATABASE_URL: 'postgres://bulwark_server@db/bulwark',
      BULWARK_VAULT: 'pkcs11',
      BULWARK_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so',
      BULWARK_PKCS11_TOKEN_LABEL: 'bulwark',
      BULWARK_PKCS11_PIN: '1234',
      BULWARK_BILLING_PROCESSOR: 'stripe',
      BULWARK_BILLING_STRIPE_SECRET_KEY: 'sk_live_example',
      BULWARK_BILLING_STRIPE_WEBHOOK_SECRETS: 'whsec_new,whsec_old',
      BULWARK_MAIL_TRANSPORT: 'smtp',
      BULWARK_MAIL_SMTP_URL: 'smtps://bulwark:pw@mail.example.com:465',
    };
    expect(() => assertProductionSafe(loadConfig({ env: base }))).toThrow(/BULWARK_GATEWAY_LOCAL_PROVIDER/);
    const allowed = loadConfig({ env: { ...base, BULWARK_GATEWAY_ALLOW_LOCAL_PROVIDER_IN_PRODUCTION: 'true' } });
    expect(() => assertProductionSafe(allowed)).not.toThrow();
  });

  it('lets production use the sandbox processor only when explicitly allowed, and stripe only with its secrets', () => {
    const base = { BULWARK_ENV: 'production', BULWARK_ALLOW_DEV_SHORTCUTS: 'false' };
    expect(() => assertProductionSafe(loadConfig({ env: base }))).toThrow(/BULWARK_BILLING_PROCESSOR/);
    const allowed = loadConfig({ env: { ...base, BULWARK_BILLING_ALLOW_SANDBOX_IN_PRODUCTION: 'true' } });
    expect(() => assertProductionSafe(allowed)).not.toThrow(/BULWARK_BILLING_PROCESSOR/);
    try {
      loadConfig({ env: { BULWARK_BILLING_PROCESSOR: 'stripe' } });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, 'config.invalid')).toBe(true);
      const paths = ((error as { details?: { issues?: { path: string }[] } }).details?.issues ?? []).map((i) => i.path);
      expect(paths).toEqual(['billing.stripeSecretKey', 'billing.stripeWebhookSecrets']);
    }
  });

  it('derives the OpenID issuer from the public URL, and production refuses an http issuer', () => {
    const base = {
      BULWARK_ENV: 'production',
      BULWARK_PUBLIC_URL: 'https://bulwark.example.com/',
      DATABASE_URL: 'postgres://bulwark_server@db/bulwark',
      BULWARK_VAULT: 'pkcs11',
      BULWARK_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so',
      BULWARK_PKCS11_TOKEN_LABEL: 'bulwark',
      BULWARK_PKCS11_PIN: '1234',
      BULWARK_GATEWAY_LOCAL_PROVIDER: 'false',
      BULWARK_BILLING_PROCESSOR: 'stripe',
      BULWARK_BILLING_STRIPE_SECRET_KEY: 'sk_live_example',
      BULWARK_BILLING_STRIPE_WEBHOOK_SECRETS: 'whsec_new,whsec_old',
    };
    expect(loadConfig({ env: base }).oidc.issuer).toBe('https://bulwark.example.com/oidc');
    const http = loadConfig({ env: { ...base, BULWARK_OIDC_ISSUER: 'http://bulwark.example.com/oidc' } });
    expect(() => assertProductionSafe(http)).toThrow(/BULWARK_OIDC_ISSUER/);
    expect(() => loadConfig({ env: { BULWARK_OIDC_ACCESS_TOKEN_TTL_SECONDS: '901' } })).toThrow(
      /oidc.accessTokenTtlSeconds/,
    );
  });

  it('refuses the development mail outbox in production unless allowed, and smtp without its URL', () => {
    const base = { BULWARK_ENV: 'production', BULWARK_ALLOW_DEV_SHORTCUTS: 'false' };
    expect(() => assertProductionSafe(loadConfig({ env: base }))).toThrow(/BULWARK_MAIL_TRANSPORT/);
    const smtp = loadConfig({
      env: { ...base, BULWARK_MAIL_TRANSPORT: 'smtp', BULWARK_MAIL_SMTP_URL: 'smtp://u:mailsecret@mail.example.com' },
    });
    expect(() => assertProductionSafe(smtp)).not.toThrow(/BULWARK_MAIL_TRANSPORT/);
    expect(JSON.stringify(smtp)).not.toContain('mailsecret');
    const allowed = loadConfig({ env: { ...base, BULWARK_ALLOW_DEV_SHORTCUTS: 'true' } });
    expect(() => assertProductionSafe(allowed)).not.toThrow();
    expect(() => loadConfig({ env: { BULWARK_MAIL_TRANSPORT: 'smtp' } })).toThrow(/mail.smtpUrl/);
  });

  it('accepts a production config without shortcuts', () => {
    const config = loadConfig({
      env: {
        BULWARK_ENV: 'production',
        BULWARK_PUBLIC_URL: 'https://bulwark.example.com',
        DATABASE_URL: 'postgres://bulwark_server@db/bulwark',
        BULWARK_MIGRATION_DATABASE_URL: 'postgres://owner@db/bulwark',
        BULWARK_VAULT: 'pkcs11',
        BULWARK_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so',
        BULWARK_PKCS11_TOKEN_LABEL: 'bulwark',
        BULWARK_PKCS11_PIN: '1234',
        BULWARK_GATEWAY_LOCAL_PROVIDER: 'false',
        BULWARK_BILLING_PROCESSOR: 'stripe',
        BULWARK_BILLING_STRIPE_SECRET_KEY: 'sk_live_example',
        BULWARK_BILLING_STRIPE_WEBHOOK_SECRETS: 'whsec_new,whsec_old',
        BULWARK_MAIL_TRANSPORT: 'smtp',
        BULWARK_MAIL_SMTP_URL: 'smtps://bulwark:pw@mail.example.com:465',
      },
    });
    expect(() => assertProductionSafe(config)).not.toThrow();
    expect(config.sessionSecret).toBeUndefined();
    expect(config.migrationDatabaseUrl?.reveal()).toBe('postgres://owner@db/bulwark');
  });
});
