import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import { constantTimeEqual } from '../../lib/constant-time.js';
import type { Metrics } from '../../platform/metrics/index.js';
import type { Secret } from '../../lib/secret.js';

/** One readiness check's outcome. */
export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

/** What the health routes ask the node. */
export interface HealthProbe {
  /** False once shutdown has begun: load balancers should stop sending traffic. */
  accepting(): boolean;
  readiness(): Promise<ReadinessCheck[]>;
}

const checkSchema = z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() });

/** `GET /healthz` (the process is alive) and `GET /readyz` (database reachable, migrations current, not draining). */
export function registerHealthRoutes(app: FastifyInstance, probe: HealthProbe): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/healthz', {
    schema: { summary: 'Liveness', tags: ['operations'], response: { 200: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });
  typed.get('/readyz', {
    schema: {
      summary: 'Readiness: database reachable, migrations current, not shutting down',
      tags: ['operations'],
      response: {
        200: z.object({ status: z.literal('ready'), checks: z.array(checkSchema) }),
        503: z.object({ status: z.literal('not_ready'), checks: z.array(checkSchema) }),
      },
    },
    handler: async (_request, reply) => {
      const checks: ReadinessCheck[] = [
        { name: 'accepting', ok: probe.accepting(), ...(probe.accepting() ? {} : { detail: 'shutting down' }) },
        ...(await probe.readiness()),
      ];
      if (checks.every((c) => c.ok)) return { status: 'ready' as const, checks };
      return reply.code(503).send({ status: 'not_ready' as const, checks });
    },
  });
}

/** `GET /metrics` for Prometheus, behind a bearer token; disabled (404) when no token is configured. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, token: Secret | undefined): void {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!token) throw new AppError('http.not_found');
    const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (!constantTimeEqual(presented, token.reveal())) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new AppError('authn.required');
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
