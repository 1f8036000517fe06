import { escapeHtml, page } from './sign-in-pages.js';

/** Where the owner setup pages are served. */
export const SETUP_PATH = '/setup';

const alert = (error: string | undefined) =>
  error ? `<p class="error" role="alert" id="form-error">${escapeHtml(error)}</p>` : '';

/** Step 1: the setup secret (the bootstrap secret printed on first start, or an org owner's). */
export function renderSetupSecret(error?: string): string {
  return page(
    'Set up your owner account',
    `<p>Paste the one-time setup secret: the bootstrap secret printed on the server's first start, or the owner setup
secret of a new organisation.</p>
${alert(error)}
<form method="post" action="${SETUP_PATH}">
<input type="hidden" name="action" value="begin">
<label for="secret">Setup secret</label>
<input id="secret" name="secret" type="password" autocomplete="off" required${error ? ' aria-describedby="form-error" aria-invalid="true"' : ''}>
<button type="submit">Continue</button>
</form>`,
  );
}

/** Step 2: register the owner's passkey (the options travel in a data attribute; passkey.js runs the ceremony). */
export function renderSetupPasskey(view: { secret: string; email: string; options: unknown; error?: string }): string {
  return page(
    'Register your passkey',
    `<p>You are setting up <strong>${escapeHtml(view.email)}</strong>. Owners act only with a passkey: register one
on this device (or a security key). Your first API key follows.</p>
${alert(view.error)}
<form method="post" action="${SETUP_PATH}" class="passkey" data-ceremony="create" data-options="${escapeHtml(JSON.stringify(view.options))}">
<input type="hidden" name="action" value="redeem">
<input type="hidden" name="secret" value="${escapeHtml(view.secret)}">
<input type="hidden" name="response" value="">
<button type="submit">Register a passkey</button>
</form>`,
    { script: true },
  );
}

/** Step 3: the owner's first key, shown once. */
export function renderSetupDone(view: { key: string; orgId: string; expiresAt: string | null }): string {
  return page(
    'Your owner key',
    `<p>This is your first API key for <code>${escapeHtml(view.orgId)}</code>. It is shown only now: store it in a
secret manager.${view.expiresAt ? ` It expires at ${escapeHtml(view.expiresAt)}.` : ''}</p>
<p><code class="secret" id="owner-key">${escapeHtml(view.key)}</code></p>
<p>Use it as <code>Authorization: Bearer …</code> on the API. Members you add get an e-mail to set their password.</p>`,
  );
}
