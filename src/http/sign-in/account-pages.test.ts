import { describe, expect, it } from 'vitest';
import {
  renderAccountProblem,
  renderInvitation,
  renderPasswordResetForm,
  renderPasswordResetRequest,
  renderPasswordResetSent,
  renderPasswordSet,
} from './account-pages.js';

const form = { action: '/invitations/tok', csrf: 'csrf-token' };
const pages = {
  invitation: renderInvitation({ ...form, orgName: 'Acme', email: 'ann@example.com' }),
  invitationWithError: renderInvitation({ ...form, orgName: 'Acme', email: 'ann@example.com', error: 'Nope.' }),
  resetRequest: renderPasswordResetRequest({ action: '/password-reset', csrf: 'c' }),
  resetForm: renderPasswordResetForm({ action: '/password-reset/tok', csrf: 'c', email: 'ann@example.com' }),
  sent: renderPasswordResetSent(),
  set: renderPasswordSet(true),
  problem: renderAccountProblem('Gone', 'The link no longer works.', { href: '/password-reset', label: 'Reset' }),
};

describe('account pages', () => {
  it('have one h1, no inline script or style, and a label for every visible input', () => {
    for (const html of Object.values(pages)) {
      expect(html.match(/<h1>/g)).toHaveLength(1);
      expect(html).not.toMatch(/<script|<style| style=| on[a-z]+=/);
      const ids = [...html.matchAll(/<input id="([^"]+)"/g)].map(([, id]) => id);
      for (const id of ids) expect(html).toContain(`<label for="${id}">`);
    }
  });

  it('ask for the new password twice with autocomplete new-password, beside the account name', () => {
    for (const html of [pages.invitation, pages.resetForm]) {
      expect(html.match(/autocomplete="new-password"/g)).toHaveLength(2);
      expect(html).toContain('autocomplete="username" value="ann@example.com" readonly');
      expect(html).toContain('name="password_confirm"');
    }
  });

  it('announce errors with role="alert", tied to the fields', () => {
    expect(pages.invitation).not.toContain('role="alert"');
    expect(pages.invitationWithError).toContain('<p class="error" role="alert" id="form-error">Nope.</p>');
    expect(pages.invitationWithError).toContain('aria-invalid="true"');
    expect(pages.problem).toContain('role="alert"');
  });

  it('escape what comes from the database and the form', () => {
    const html = renderInvitation({ ...form, orgName: '<img src=x onerror=alert(1)>', email: '"a"@example.com' });
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('value="&quot;a&quot;@example.com"');
  });
});
