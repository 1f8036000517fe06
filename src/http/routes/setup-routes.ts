import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import type { ApiServices } from '../api-services.js';
import { requestMeta } from '../auth/route-auth.js';
import { beginSetup, redeemSetup } from '../owner-setup.js';
import { renderSetupDone, renderSetupPasskey, renderSetupSecret, SETUP_PATH } from '../sign-in/setup-pages.js';
import { signInPolicy } from '../sign-in/sign-in-pages.js';

const secret = z.string().trim().min(1).max(200);
const setupForm = z.discriminatedUnion('action', [
  z.object({ action: z.literal('begin'), secret }),
  z.object({ action: z.literal('redeem'), secret, response: z.string().max(16_384) }),
]);

function html(reply: FastifyReply, status: number, body: string) {
  return reply
    .code(status)
    .header('content-security-policy', signInPolicy())
    .type('text/html; charset=utf-8')
    .send(body);
}

function parsedPasskey(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * `/setup`: an owner's setup in a browser, the page form of `POST /v1/bootstrap/passkey-options` and
 * `POST /v1/bootstrap/redeem`: the setup secret, a passkey registration, then the owner's first key shown once.
 * The secret is the credential of these pages (no session, nothing else to forge).
 */
export function registerSetupRoutes(app: FastifyInstance, services: ApiServices): void {
  void app.register(async (scope) => {
    await scope.register(formbody, { bodyLimit: 32_768 });
    // Each page runs its one use case in its own platform transaction.
    const inTransaction = services.db.withPlatform.bind(services.db);
    scope.get(SETUP_PATH, { schema: { hide: true } }, (_request, reply) => html(reply, 200, renderSetupSecret()));
    scope.post(SETUP_PATH, { schema: { hide: true } }, async (request, reply) => {
      const form = setupForm.safeParse(request.body);
      if (!form.success) return html(reply, 400, renderSetupSecret('The form could not be read.'));
      try {
        if (form.data.action === 'begin') {
          const { owner, options } = await beginSetup(services, inTransaction, form.data.secret);
          return html(reply, 200, renderSetupPasskey({ secret: form.data.secret, email: owner.email, options }));
        }
        const { key, token } = await redeemSetup(services, inTransaction, {
          secret: form.data.secret,
          passkey: parsedPasskey(form.data.response),
          meta: requestMeta(request),
        });
        return html(
          reply,
          201,
          renderSetupDone({ key: token, orgId: key.orgId, expiresAt: key.expiresAt?.toISOString() ?? null }),
        );
      } catch (error) {
        if (error instanceof AppError && error.code === 'tenancy.bootstrap_invalid')
          return html(reply, 401, renderSetupSecret('That setup secret is not valid (used, expired or mistyped).'));
        if (error instanceof AppError && error.code.startsWith('identity.passkey_'))
          return html(reply, 400, renderSetupSecret('The passkey was not accepted. Start again with the secret.'));
        throw error;
      }
    });
  });
}
