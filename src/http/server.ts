import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from '../config/index.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../platform/logger/index.js';
import { errorFormatForUrl, renderError, type ErrorFormat } from './errors/renderers.js';
import { toAppError } from './errors/to-problem.js';
import type { Metrics } from '../platform/metrics/index.js';
import { installInputBoundary } from './input-boundary.js';
import { registerHealthRoutes, registerMetricsRoute, type HealthProbe } from './routes/health.js';
import { addSecurityHeaders } from './security-headers.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Error shape of the route; defaults by URL (problem+json, OAuth, OpenAI). */
    errorFormat?: ErrorFormat;
  }
}

/** What the HTTP layer needs from the composition root. */
export interface HttpDeps {
  config: Config;
  logger: Logger;
  health: HealthProbe;
  metrics: Metrics;
  /** Adds the module routes. */
  registerRoutes?: (app: FastifyInstance) => void | Promise<void>;
}

/** Builds the Fastify app: request ids, logging, body limits, security headers, error renderers, health and OpenAPI. */
export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // SECURITY: request ids are ours; a client-sent X-Request-Id is not trusted as a log correlation key.
    genReqId: () => newId('req'),
    requestIdHeader: false,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // One structured line per request, written in onResponse below (Fastify's own lines carry an empty `req`).
    disableRequestLogging: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // Route templates (not raw URLs) as labels keep the series count bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    // SECURITY: the route template, never the raw URL or query, so ids, cursors and junk a client sends stay out of logs.
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        org_id: request.principal?.orgId ?? null,
        key_id: request.principal?.kind === 'api_key' ? request.principal.id : null,
        principal_id: request.principal?.id ?? null,
      },
      'request completed',
    );
  });
  installInputBoundary(app);
  addSecurityHeaders(app, { https: config.publicUrl.startsWith('https://') });

  app.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error, code: appError.code }, 'request failed');
    else
      request.log.info(
        { code: appError.code, err_message: error instanceof Error ? error.message : String(error) },
        'request rejected',
      );
    const format = request.routeOptions.config?.errorFormat ?? errorFormatForUrl(request.url);
    const rendered = renderError(format, appError, request.id, request.url.split('?')[0] ?? request.url);
    const retryAfter = appError.details?.retry_after_seconds;
    // Clients (the openai SDK among them) back off by this header, not by the body.
    if (typeof retryAfter === 'number' && retryAfter > 0) reply.header('retry-after', String(Math.ceil(retryAfter)));
    return reply.code(appError.status).type(rendered.contentType).send(rendered.body);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const rendered = renderError(
      errorFormatForUrl(request.url),
      toAppError(Object.assign(new Error('not found'), { statusCode: 404, code: 'FST_ERR_NOT_FOUND' })),
      request.id,
      request.url.split('?')[0] ?? request.url,
    );
    return reply.code(404).type(rendered.contentType).send(rendered.body);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Bulwark API', version: '1', description: 'Security-first backend for AI applications.' },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A Bulwark API key (`bwk_…`) or access token.' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });

  registerHealthRoutes(app, deps.health);
  registerMetricsRoute(app, deps.metrics, config.metricsToken);
  await deps.registerRoutes?.(app);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
