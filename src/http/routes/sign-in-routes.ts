import { readFileSync } from 'node:fs';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import type { Oidc, SignInAction, SignInOutcome } from '../../modules/oidc/index.js';
import { requestMeta } from '../auth/route-auth.js';
import { renderSignIn, renderSignInProblem, SIGN_IN_ASSETS, signInPolicy } from '../sign-in/sign-in-pages.js';

/** Where an interaction's pages are served (the provider sends the browser here). */
export const signInPath = (uid: string) => `/sign-in/${encodeURIComponent(uid)}`;

const ASSETS = {
  'sign-in.css': { type: 'text/css; charset=utf-8', file: 'sign-in.css' },
  'passkey.js': { type: 'text/javascript; charset=utf-8', file: 'passkey.js' },
} as const;

const loadAsset = (file: string) => readFileSync(new URL(`../sign-in/assets/${file}`, import.meta.url), 'utf8');

const code = z.string().trim().min(1).max(64);
// A WebAuthn answer, as the page's script posts it (JSON); its content is checked by simplewebauthn.
// An empty or unreadable answer (a ceremony without a credential) is a failed ceremony, not a bad form: the page
// says the passkey was not accepted and offers the other ways.
const webauthnResponse = z
  .string()
  .max(16_384)
  .transform((text): unknown => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return null;
    }
  });

const actionBody = z.discriminatedUnion('action', [
  z.object({ action: z.literal('password'), email: z.string().trim().max(320), password: z.string().max(1_024) }),
  z.object({ action: z.literal('totp'), code }),
  z.object({ action: z.literal('recovery'), code }),
  z.object({ action: z.literal('enroll_totp'), code }),
  z.object({ action: z.literal('passkey'), response: webauthnResponse }),
  z.object({ action: z.literal('register_passkey'), response: webauthnResponse }),
  z.object({ action: z.literal('skip_passkey') }),
  z.object({ action: z.literal('continue') }),
  z.object({ action: z.literal('consent'), approve: z.enum(['yes', 'no']).transform((v) => v === 'yes') }),
]);
const formBody = z.object({ csrf: z.string().max(200) }).and(actionBody);

function render(reply: FastifyReply, outcome: SignInOutcome) {
  if (outcome.kind === 'redirect') return reply.code(303).header('location', outcome.location).send();
  return reply
    .code(outcome.status)
    .header('content-security-policy', signInPolicy([outcome.view.redirectOrigin]))
    .type('text/html; charset=utf-8')
    .send(renderSignIn(outcome.view));
}

// The sign-in's own failures get a page (a person reads them), not problem+json.
function problem(reply: FastifyReply, error: unknown) {
  if (!(error instanceof AppError)) throw error;
  const message =
    error.code === 'oidc.sign_in_forbidden'
      ? 'This form was not sent by this sign-in page. Reload the page and try again.'
      : error.code === 'oidc.sign_in_expired'
        ? 'This sign-in has expired or is already finished.'
        : 'The form could not be read.';
  return reply
    .code(error.status)
    .header('content-security-policy', signInPolicy())
    .type('text/html; charset=utf-8')
    .send(renderSignInProblem('Sign-in cannot continue', message));
}

/**
 * The sign-in pages of the provider's interactions (`/sign-in/{uid}`): server-rendered, no inline script, every
 * form carrying the interaction's CSRF token. Each request is parsed here and handed to one use case of the sign-in.
 */
export function registerSignInRoutes(app: FastifyInstance, oidc: Oidc): void {
  const assets = Object.fromEntries(Object.entries(ASSETS).map(([name, asset]) => [name, loadAsset(asset.file)]));
  void app.register(async (scope) => {
    // SECURITY: only urlencoded forms, small ones (a passkey answer is a few KB).
    await scope.register(formbody, { bodyLimit: 32_768 });
    scope.get<{ Params: { file: string } }>(`${SIGN_IN_ASSETS}/:file`, { schema: { hide: true } }, (request, reply) => {
      const asset = ASSETS[request.params.file as keyof typeof ASSETS];
      const body = asset ? assets[request.params.file] : undefined;
      if (!asset || body === undefined) throw new AppError('http.not_found');
      return reply.header('cache-control', 'public, max-age=3600').type(asset.type).send(body);
    });
    scope.get<{ Params: { uid: string } }>('/sign-in/:uid', { schema: { hide: true } }, async (request, reply) => {
      try {
        return render(reply, await oidc.signIn.show(request.raw, reply.raw, requestMeta(request)));
      } catch (error) {
        return problem(reply, error);
      }
    });
    scope.post<{ Params: { uid: string } }>('/sign-in/:uid', { schema: { hide: true } }, async (request, reply) => {
      try {
        const parsed = formBody.safeParse(request.body);
        if (!parsed.success) throw new AppError('http.bad_request', { publicMessage: 'the form could not be read' });
        const { csrf, ...form } = parsed.data;
        return render(
          reply,
          await oidc.signIn.submit(request.raw, reply.raw, csrf, form as SignInAction, requestMeta(request)),
        );
      } catch (error) {
        return problem(reply, error);
      }
    });
  });
}
