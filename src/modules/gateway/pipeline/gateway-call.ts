import type { Principal } from '../../authz/index.js';

/** Who calls the gateway and how to reach them: built by the route from the authenticated request. */
export interface GatewayCall {
  principal: Principal;
  requestId: string;
  clientIp: string;
  userAgent?: string;
  /** Aborted when the client disconnects; passed on to the provider. */
  signal: AbortSignal;
  /** Client-safe facts added to the request's audit event (the document ids a retrieval-augmented chat used). */
  auditFacts?: Record<string, unknown>;
}
