import type { SignInView } from '../../modules/oidc/index.js';

/** Where the sign-in pages' stylesheet and script are served. */
export const SIGN_IN_ASSETS = '/sign-in/assets';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * The sign-in pages' content security policy: no inline script or style, forms posted to Bulwark only (and,
 * because browsers check form-action along the redirect chain, to the origin the sign-in returns to).
 */
export function signInPolicy(formTargets: readonly string[] = []): string {
  const targets = ["'self'", ...formTargets].join(' ');
  return `default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action ${targets}; frame-ancestors 'none'; base-uri 'none'`;
}

/** A whole page: one heading, one main landmark, the stylesheet, and the passkey script when a ceremony is on it. */
export function page(title: string, body: string, options: { script?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Bulwark</title>
<link rel="stylesheet" href="${SIGN_IN_ASSETS}/sign-in.css">
${options.script ? `<script src="${SIGN_IN_ASSETS}/passkey.js" defer></script>` : ''}
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

const alert = (error: string | undefined) =>
  error ? `<p class="error" role="alert" id="form-error">${escapeHtml(error)}</p>` : '';

const described = (error: string | undefined) => (error ? ' aria-describedby="form-error" aria-invalid="true"' : '');

function form(view: SignInView, action: string, fields: string, submit: string, extra = ''): string {
  return `<form method="post" action="/sign-in/${encodeURIComponent(view.uid)}"${extra}>
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<input type="hidden" name="action" value="${action}">
${fields}
<button type="submit">${escapeHtml(submit)}</button>
</form>`;
}

function codeField(id: string, label: string, error: string | undefined, pattern = '[0-9]{6}'): string {
  return `<label for="${id}">${escapeHtml(label)}</label>
<input id="${id}" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="${pattern}" required${described(error)}>`;
}

// A passkey ceremony: the options travel in a data attribute, the script runs the ceremony and posts its answer.
function passkeyForm(
  view: SignInView,
  action: 'passkey' | 'register_passkey',
  options: unknown,
  label: string,
): string {
  const ceremony = action === 'passkey' ? 'get' : 'create';
  return form(
    view,
    action,
    `<input type="hidden" name="response" value="">`,
    label,
    ` class="passkey" data-ceremony="${ceremony}" data-options="${escapeHtml(JSON.stringify(options))}"`,
  );
}

/** The page of a sign-in step. */
export function renderSignIn(view: SignInView): string {
  const app = `<p>to continue to <strong>${escapeHtml(view.clientName)}</strong></p>`;
  switch (view.step) {
    case 'password':
      return page(
        'Sign in',
        `${app}${alert(view.error)}${form(
          view,
          'password',
          `<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="username" required${described(view.error)}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${described(view.error)}>`,
          'Continue',
        )}
<p><a href="/password-reset">Forgot your password?</a></p>`,
      );
    case 'second_factor':
      return page(
        'Confirm it is you',
        `${app}${alert(view.error)}${view.passkeyOptions ? passkeyForm(view, 'passkey', view.passkeyOptions, 'Use a passkey') : ''}
${view.totp ? form(view, 'totp', codeField('totp-code', 'Code from your authenticator app', view.error), 'Verify') : ''}
${
  view.recovery
    ? `<details><summary>Use a recovery code</summary>${form(
        view,
        'recovery',
        codeField('recovery-code', 'Recovery code', undefined, '[a-z2-7-]{8,40}').replace('inputmode="numeric" ', ''),
        'Use recovery code',
      )}</details>`
    : ''
}`,
        { script: Boolean(view.passkeyOptions) },
      );
    case 'enroll':
      return page(
        'Set up a second factor',
        `${app}${alert(view.error)}
<p>Every account signs in with two factors. Register a passkey (strongest), or add this key to an authenticator app.</p>
${passkeyForm(view, 'register_passkey', view.passkeyOptions, 'Register a passkey')}
<h2>Authenticator app</h2>
<p>Key: <code class="secret">${escapeHtml(view.totpSecret)}</code></p>
<p class="uri"><a href="${escapeHtml(view.otpauthUri)}">Open in an authenticator app</a></p>
${form(view, 'enroll_totp', codeField('enroll-code', 'Code shown by the app', view.error), 'Turn on')}`,
        { script: true },
      );
    case 'recovery_codes':
      return page(
        'Save your recovery codes',
        `<p>Each code signs you in once if you lose your authenticator. They are shown only now.</p>
<ul class="codes">${view.codes.map((code) => `<li><code>${escapeHtml(code)}</code></li>`).join('')}</ul>
${form(view, 'continue', '', 'I have saved them')}`,
      );
    case 'passkey_setup':
      return page(
        'Register a passkey',
        `${app}${alert(view.error)}
<p>Your roles in this organisation (owner, admin, security or finance) need a passkey. Without one you continue with your other roles only.</p>
${passkeyForm(view, 'register_passkey', view.passkeyOptions, 'Register a passkey')}
${form(view, 'skip_passkey', '', 'Continue without those roles')}`,
        { script: true },
      );
    case 'consent':
      return page(
        'Allow access?',
        `<p><strong>${escapeHtml(view.clientName)}</strong> asks to act for you in its organisation, with your roles there.</p>
${form(view, 'consent', '<input type="hidden" name="approve" value="yes">', 'Allow')}
${form(view, 'consent', '<input type="hidden" name="approve" value="no">', 'Deny')}`,
      );
  }
}

/** The page shown when the sign-in cannot go on (expired, or a form from elsewhere). */
export function renderSignInProblem(title: string, message: string): string {
  return page(title, `<p role="alert">${escapeHtml(message)}</p><p>Go back to the application and start again.</p>`);
}

/** RP-initiated logout: the provider's confirmation form, and the page after. */
export const logoutPages = {
  confirm: (form: string, clientName: string | undefined) =>
    page(
      'Sign out',
      `<p>Sign out of Bulwark${clientName ? ` and ${escapeHtml(clientName)}` : ''}?</p>
${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>`,
    ),
  done: () => page('Signed out', '<p>You are signed out.</p>'),
  contentSecurityPolicy: (returnTo: string | undefined) => signInPolicy(returnTo ? [new URL(returnTo).origin] : []),
};
