import { escapeHtml, page } from './sign-in-pages.js';

/** A form of the account pages: where it posts, its CSRF token, and the error to show above it (if any). */
export interface AccountForm {
  action: string;
  csrf: string;
  error?: string | undefined;
}

const alert = (error: string | undefined) =>
  error ? `<p class="error" role="alert" id="form-error">${escapeHtml(error)}</p>` : '';

const described = (error: string | undefined) => (error ? ' aria-describedby="form-error" aria-invalid="true"' : '');

function form(view: AccountForm, fields: string, submit: string): string {
  return `<form method="post" action="${escapeHtml(view.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
${fields}
<button type="submit">${escapeHtml(submit)}</button>
</form>`;
}

// The account's address as a password manager needs it beside a new password: shown, not sent (it has no name).
const accountField = (email: string) => `<label for="username">E-mail address</label>
<input id="username" type="email" autocomplete="username" value="${escapeHtml(email)}" readonly>`;

function newPasswordFields(error: string | undefined): string {
  return `<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="12" maxlength="256" required aria-describedby="password-rules${error ? ' form-error' : ''}"${error ? ' aria-invalid="true"' : ''}>
<p id="password-rules" class="hint">At least 12 characters; not a common or guessable password, and not your e-mail name.</p>
<label for="password-confirm">New password again</label>
<input id="password-confirm" name="password_confirm" type="password" autocomplete="new-password" minlength="12" maxlength="256" required${described(error)}>`;
}

/** The invitation page: the org, the account, and the new password (twice). */
export function renderInvitation(view: AccountForm & { orgName: string; email: string }): string {
  return page(
    'Set your password',
    `<p>You were invited to <strong>${escapeHtml(view.orgName)}</strong>.</p>
${alert(view.error)}${form(view, `${accountField(view.email)}\n${newPasswordFields(view.error)}`, 'Set password')}`,
  );
}

/** After an invitation or a reset: the password is set; the user signs in from their application. */
export function renderPasswordSet(firstPassword: boolean): string {
  return page(
    'Password set',
    `<p role="status">Your password is set.</p>
<p>Sign in from your application${firstPassword ? '. At your first sign-in you set up a second factor (a passkey or an authenticator app).' : ' with your new password and your second factor.'}</p>`,
  );
}

/** The password-reset request: the e-mail address. */
export function renderPasswordResetRequest(view: AccountForm): string {
  return page(
    'Reset your password',
    `<p>Enter the e-mail address of your account. We send a link to set a new password.</p>
${alert(view.error)}${form(
      view,
      `<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="email" maxlength="320" required${described(view.error)}>`,
      'Send link',
    )}`,
  );
}

/** The one answer to every reset request that is not throttled, whether or not the account exists. */
export function renderPasswordResetSent(): string {
  return page(
    'Check your e-mail',
    `<p role="status">If an account exists for that address, we sent it a link to reset the password. The link works once, for one hour.</p>`,
  );
}

/** The page of a reset link: the account and the new password (twice). */
export function renderPasswordResetForm(view: AccountForm & { email: string }): string {
  return page(
    'Choose a new password',
    `<p>Your second factor stays as it is: it is still asked when you sign in.</p>
${alert(view.error)}${form(view, `${accountField(view.email)}\n${newPasswordFields(view.error)}`, 'Set password')}`,
  );
}

/** The page shown when an account page cannot go on (a link that no longer works, a form from elsewhere). */
export function renderAccountProblem(title: string, message: string, next?: { href: string; label: string }): string {
  return page(
    title,
    `<p role="alert">${escapeHtml(message)}</p>${next ? `<p><a href="${escapeHtml(next.href)}">${escapeHtml(next.label)}</a></p>` : ''}`,
  );
}
