import { auditErrors } from './catalogue/audit.js';
import { authzErrors } from './catalogue/authz.js';
import { billingErrors } from './catalogue/billing.js';
import { gatewayUsageErrors } from './catalogue/gateway-usage.js';
import { gatewayProviderErrors } from './catalogue/gateway-providers.js';
import { gatewayRegistryErrors } from './catalogue/gateway-registry.js';
import { gatewayErrors } from './catalogue/gateway.js';
import { guardErrors } from './catalogue/guard.js';
import { identityPasskeyErrors } from './catalogue/identity-passkeys.js';
import { identityErrors } from './catalogue/identity.js';
import { oidcErrors } from './catalogue/oidc.js';
import { platformErrors } from './catalogue/platform.js';
import { tenancyErrors } from './catalogue/tenancy.js';
import { vaultErrors } from './catalogue/vault.js';
import { webhookErrors } from './catalogue/webhooks.js';
import type { ErrorSpec } from './error-spec.js';

// INVARIANT: codes are stable. A retired code stays here (marked retired in its description) and is never reused.
/** Every error code Bulwark can return, with its status and public wording. */
export const errorCatalogue = {
  ...platformErrors,
  ...vaultErrors,
  ...auditErrors,
  ...tenancyErrors,
  ...authzErrors,
  ...identityErrors,
  ...identityPasskeyErrors,
  ...oidcErrors,
  ...guardErrors,
  ...gatewayUsageErrors,
  ...gatewayProviderErrors,
  ...gatewayRegistryErrors,
  ...gatewayErrors,
  ...billingErrors,
  ...webhookErrors,
} as const satisfies Record<string, ErrorSpec>;

/** A stable, namespaced error code (`authz.denied`, `guard.blocked`, …). */
export type ErrorCode = keyof typeof errorCatalogue;

/** True when `value` is a code of the catalogue. */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCatalogue, value);
}
