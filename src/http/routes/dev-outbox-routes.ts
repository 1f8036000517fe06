import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import type { ApiServices } from '../api-services.js';
import { platformResource } from './tenancy-routes.js';

const message = z.object({
  id: z.string(),
  purpose: z.enum(['invitation', 'password_reset', 'owner_setup']),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  created_at: z.string(),
});

/**
 * `GET /v1/dev/outbox`: the development outbox over the API, for a running embedded node (whose database no other
 * process may open while it runs). Platform owners only, with `hwk` like every platform action: the links in it set
 * passwords. With SMTP there is no outbox to read (`http.not_found`).
 */
export function registerDevOutboxRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/v1/dev/outbox', {
    config: { authz: { action: 'manage:orgs', resource: platformResource(services) } },
    schema: {
      summary: "The development outbox's e-mails, newest first (mail transport `outbox` only; platform owners)",
      tags: ['outbox'],
      security: [{ bearer: [] }],
      querystring: z
        .object({ to: z.email().optional(), limit: z.coerce.number().int().min(1).max(500).default(20) })
        .strict(),
      response: { 200: z.object({ data: z.array(message) }) },
    },
    handler: async (request) => {
      if (services.config.mail.transport !== 'outbox')
        throw new AppError('http.not_found', { publicMessage: 'mail is sent by SMTP: there is no development outbox' });
      const messages = await services.readOutbox({
        limit: request.query.limit,
        ...(request.query.to ? { to: request.query.to } : {}),
      });
      return {
        data: messages.map((m) => ({
          id: m.id,
          purpose: m.purpose,
          to: m.to,
          subject: m.subject,
          text: m.text,
          created_at: m.createdAt.toISOString(),
        })),
      };
    },
  });
}
