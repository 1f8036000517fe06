import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isAppError, type AppError } from '../../lib/errors/index.js';
import type { PasswordRejection } from '../../modules/identity/index.js';
import type { ApiServices } from '../api-services.js';
import { requestMeta } from '../auth/route-auth.js';
import {
  renderAccountProblem,
  renderInvitation,
  renderPasswordResetForm,
  renderPasswordResetRequest,
  renderPasswordResetSent,
  renderPasswordSet,
} from '../sign-in/account-pages.js';
import { signInPolicy } from '../sign-in/sign-in-pages.js';

/** Where the e-mailed links lead. */
export const invitationPath = (token: string) => `/invitations/${encodeURIComponent(token)}`;
export const passwordResetPath = (token?: string) =>
  token === undefined ? '/password-reset' : `/password-reset/${encodeURIComponent(token)}`;

const CSRF_COOKIE = 'bulwark_account_csrf';
const CSRF_COOKIE_MAX_AGE = 60 * 60;
const csrfSecretFormat = /^[A-Za-z0-9_-]{43}$/;

const newPasswordForm = z.object({
  csrf: z.string().max(100),
  password: z.string().max(1_024),
  password_confirm: z.string().max(1_024),
});
const resetRequestForm = z.object({ csrf: z.string().max(100), email: z.string().trim().max(320) });

const REJECTIONS: Record<PasswordRejection, string> = {
  too_short: 'it is shorter than 12 characters',
  too_long: 'it is longer than 256 characters',
  too_guessable: 'it is too common or easy to guess',
  contains_email: 'it contains your e-mail name',
};

// The browser's CSRF secret, from its cookie (a new one when it has none or a malformed one).
function csrfSecretOf(request: FastifyRequest): { secret: string; fresh: boolean } {
  const header = request.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    const secret = value.join('=');
    if (name === CSRF_COOKIE && csrfSecretFormat.test(secret)) return { secret, fresh: false };
  }
  return { secret: randomBytes(32).toString('base64url'), fresh: true };
}

// SECURITY: the form's token is an HMAC, under the browser's cookie secret, of the form it belongs to (the
// invitation's or reset's link token, or the reset request). A cross-site page cannot read or set the cookie
// (SameSite=Strict, HttpOnly), so it cannot post a form this browser will accept, even with a link of its own.
const csrfTokenFor = (secret: string, binding: string) =>
  createHmac('sha256', secret).update(`bulwark-account-form:${binding}`).digest('base64url');

function csrfMatches(request: FastifyRequest, binding: string, presented: string): boolean {
  const { secret, fresh } = csrfSecretOf(request);
  if (fresh) return false;
  const expected = Buffer.from(csrfTokenFor(secret, binding));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The headers of every account page: the sign-in pages' policy, and the CSRF cookie when it is new. */
function pageReply(reply: FastifyReply, status: number, https: boolean, cookie?: string): FastifyReply {
  reply.code(status).header('content-security-policy', signInPolicy()).type('text/html; charset=utf-8');
  if (cookie !== undefined)
    reply.header(
      'set-cookie',
      `${CSRF_COOKIE}=${cookie}; Path=/; Max-Age=${CSRF_COOKIE_MAX_AGE}; HttpOnly; SameSite=Strict${https ? '; Secure' : ''}`,
    );
  return reply;
}

// A form token for the page about to be shown, and the cookie to set when the browser had no secret yet.
function csrfForPage(request: FastifyRequest, binding: string): { csrf: string; cookie?: string } {
  const { secret, fresh } = csrfSecretOf(request);
  return { csrf: csrfTokenFor(secret, binding), ...(fresh ? { cookie: secret } : {}) };
}

function rejectionMessage(error: AppError): string {
  const reasons = (error.details?.reasons ?? []) as PasswordRejection[];
  const texts = reasons.map((reason) => REJECTIONS[reason]).filter((text) => text !== undefined);
  return `This password cannot be used: ${texts.length ? texts.join('; ') : 'it breaks the password policy'}.`;
}

/**
 * The account pages reached from e-mailed links: `/invitations/{token}` (set a first password) and
 * `/password-reset` (ask for a link, then `/password-reset/{token}` to set a new password). Server-rendered, no
 * inline script or style, every form bound to the browser by a CSRF token. Each request is parsed here and handed to
 * one use case of the identity module.
 */
export function registerAccountRoutes(app: FastifyInstance, services: ApiServices): void {
  const https = services.config.publicUrl.startsWith('https://');
  const { invitations, passwordResets } = services;

  const linkGone = (reply: FastifyReply, what: 'invitation' | 'reset') =>
    pageReply(reply, 410, https).send(
      renderAccountProblem(
        'This link no longer works',
        what === 'invitation'
          ? 'The invitation link is expired or already used. If your password is already set, sign in from your application; otherwise ask for a password reset.'
          : 'The password-reset link is expired or already used. Ask for a new one.',
        { href: passwordResetPath(), label: 'Reset your password' },
      ),
    );
  const forbidden = (reply: FastifyReply) =>
    pageReply(reply, 403, https).send(
      renderAccountProblem(
        'Form not accepted',
        'This form was not sent by the page this browser was shown. Reload the page and try again.',
      ),
    );
  const unreadable = (reply: FastifyReply) =>
    pageReply(reply, 400, https).send(renderAccountProblem('Form not accepted', 'The form could not be read.'));

  // The new-password form's checks before a use case runs: the CSRF token, then the two passwords agreeing.
  function readNewPassword(
    request: FastifyRequest,
    binding: string,
  ): { ok: true; password: string } | { ok: false; reason: 'unreadable' | 'forbidden' | 'mismatch' } {
    const form = newPasswordForm.safeParse(request.body);
    if (!form.success) return { ok: false, reason: 'unreadable' };
    if (!csrfMatches(request, binding, form.data.csrf)) return { ok: false, reason: 'forbidden' };
    if (form.data.password !== form.data.password_confirm) return { ok: false, reason: 'mismatch' };
    return { ok: true, password: form.data.password };
  }

  void app.register(async (scope) => {
    // SECURITY: only urlencoded forms, small ones.
    await scope.register(formbody, { bodyLimit: 8_192 });

    scope.get<{ Params: { token: string } }>(
      '/invitations/:token',
      { schema: { hide: true } },
      async (request, reply) => {
        // The use cases refuse anything that is not a well-formed token before it is looked up.
        const { token } = request.params;
        const invitation = await invitations.show(token);
        if (!invitation) return linkGone(reply, 'invitation');
        const { csrf, cookie } = csrfForPage(request, `invitation:${token}`);
        return pageReply(reply, 200, https, cookie).send(
          renderInvitation({ action: invitationPath(token), csrf, ...invitation }),
        );
      },
    );

    scope.post<{ Params: { token: string } }>(
      '/invitations/:token',
      { schema: { hide: true } },
      async (request, reply) => {
        // The use cases refuse anything that is not a well-formed token before it is looked up.
        const { token } = request.params;
        const binding = `invitation:${token}`;
        const form = readNewPassword(request, binding);
        if (!form.ok && form.reason === 'unreadable') return unreadable(reply);
        if (!form.ok && form.reason === 'forbidden') return forbidden(reply);
        const invitation = await invitations.show(token);
        if (!invitation) return linkGone(reply, 'invitation');
        const again = (status: number, error: string) => {
          const { csrf, cookie } = csrfForPage(request, binding);
          return pageReply(reply, status, https, cookie).send(
            renderInvitation({ action: invitationPath(token), csrf, error, ...invitation }),
          );
        };
        if (!form.ok) return again(400, 'The two passwords are not the same.');
        try {
          const accepted = await invitations.accept(token, form.password, requestMeta(request));
          if (!accepted.ok) return linkGone(reply, 'invitation');
          return pageReply(reply, 200, https).send(renderPasswordSet(true));
        } catch (error) {
          if (isAppError(error, 'identity.password_rejected')) return again(400, rejectionMessage(error));
          throw error;
        }
      },
    );

    scope.get(passwordResetPath(), { schema: { hide: true } }, async (request, reply) => {
      const { csrf, cookie } = csrfForPage(request, 'reset-request');
      return pageReply(reply, 200, https, cookie).send(
        renderPasswordResetRequest({ action: passwordResetPath(), csrf }),
      );
    });

    scope.post(passwordResetPath(), { schema: { hide: true } }, async (request, reply) => {
      const form = resetRequestForm.safeParse(request.body);
      if (!form.success) return unreadable(reply);
      if (!csrfMatches(request, 'reset-request', form.data.csrf)) return forbidden(reply);
      const answer = await passwordResets.request(form.data.email, requestMeta(request));
      if (!answer.ok) {
        const { csrf, cookie } = csrfForPage(request, 'reset-request');
        const minutes = Math.ceil(answer.retryAfterSeconds / 60);
        return pageReply(reply, 429, https, cookie)
          .header('retry-after', String(answer.retryAfterSeconds))
          .send(
            renderPasswordResetRequest({
              action: passwordResetPath(),
              csrf,
              error: `Too many reset requests. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
            }),
          );
      }
      // SECURITY: one page and one status for every address, known or not (no account enumeration).
      return pageReply(reply, 200, https).send(renderPasswordResetSent());
    });

    scope.get<{ Params: { token: string } }>(
      '/password-reset/:token',
      { schema: { hide: true } },
      async (request, reply) => {
        // The use cases refuse anything that is not a well-formed token before it is looked up.
        const { token } = request.params;
        const reset = await passwordResets.show(token);
        if (!reset) return linkGone(reply, 'reset');
        const { csrf, cookie } = csrfForPage(request, `reset:${token}`);
        return pageReply(reply, 200, https, cookie).send(
          renderPasswordResetForm({ action: passwordResetPath(token), csrf, email: reset.email }),
        );
      },
    );

    scope.post<{ Params: { token: string } }>(
      '/password-reset/:token',
      { schema: { hide: true } },
      async (request, reply) => {
        // The use cases refuse anything that is not a well-formed token before it is looked up.
        const { token } = request.params;
        const binding = `reset:${token}`;
        const form = readNewPassword(request, binding);
        if (!form.ok && form.reason === 'unreadable') return unreadable(reply);
        if (!form.ok && form.reason === 'forbidden') return forbidden(reply);
        const reset = await passwordResets.show(token);
        if (!reset) return linkGone(reply, 'reset');
        const again = (status: number, error: string) => {
          const { csrf, cookie } = csrfForPage(request, binding);
          return pageReply(reply, status, https, cookie).send(
            renderPasswordResetForm({ action: passwordResetPath(token), csrf, error, email: reset.email }),
          );
        };
        if (!form.ok) return again(400, 'The two passwords are not the same.');
        try {
          const completed = await passwordResets.complete(token, form.password, requestMeta(request));
          if (!completed.ok) return linkGone(reply, 'reset');
          return pageReply(reply, 200, https).send(renderPasswordSet(false));
        } catch (error) {
          if (isAppError(error, 'identity.password_rejected')) return again(400, rejectionMessage(error));
          throw error;
        }
      },
    );
  });
}
