import type { FastifyInstance } from 'fastify';
import type { ApiServices } from '../api-services.js';
import { installAuth, type ProtectedRoute } from '../auth/install-auth.js';
import { documentRoutes } from '../openapi/document-routes.js';
import { registerApiKeyRoutes } from './api-key-routes.js';
import { registerBillingRecoveryRoutes } from './billing-recovery-routes.js';
import { registerBillingDisputeRoutes } from './billing-dispute-routes.js';
import { registerBillingPlanRoutes } from './billing-plan-routes.js';
import { registerBillingRoutes } from './billing-routes.js';
import { registerGatewayUsageRoutes } from './gateway-usage-routes.js';
import { registerGatewayAdminRoutes } from './gateway-admin-routes.js';
import { registerGatewayRegistryRoutes } from './gateway-registry-routes.js';
import { registerGatewayRoutes } from './gateway-routes.js';
import { registerGovernanceRoutes } from './governance-routes.js';
import { registerGuardRoutes } from './guard-routes.js';
import { registerModerationRoutes } from './moderation-routes.js';
import { registerOAuthClientRoutes } from './oauth-client-routes.js';
import { registerOrgStatusRoutes } from './org-status-routes.js';
import { registerQuarantineRoutes } from './quarantine-routes.js';
import { registerRetrievalRoutes } from './retrieval-routes.js';
import { enforceModelRouteDeclarations } from './model-route-declaration.js';
import { registerTenancyRoutes } from './tenancy-routes.js';
import { registerWebhookEndpointRoutes } from './webhook-endpoint-routes.js';

/** Installs authentication and authorization, then every /v1 route; returns the table of protected routes. */
export function registerApiRoutes(app: FastifyInstance, services: ApiServices): ProtectedRoute[] {
  const table = installAuth(app, services);
  documentRoutes(app);
  enforceModelRouteDeclarations(app);
  registerGovernanceRoutes(app, services);
  registerTenancyRoutes(app, services);
  registerOAuthClientRoutes(app, services);
  registerOrgStatusRoutes(app, services);
  registerApiKeyRoutes(app, services);
  registerQuarantineRoutes(app, services);
  registerGuardRoutes(app, services);
  registerModerationRoutes(app, services);
  registerGatewayUsageRoutes(app, services);
  registerGatewayAdminRoutes(app, services);
  registerGatewayRegistryRoutes(app, services);
  registerGatewayRoutes(app, services);
  registerBillingRoutes(app, services);
  registerBillingRecoveryRoutes(app, services);
  registerBillingDisputeRoutes(app, services);
  registerBillingPlanRoutes(app, services);
  registerRetrievalRoutes(app, services);
  registerWebhookEndpointRoutes(app, services);
  return table;
}
