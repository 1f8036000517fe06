import type { UserId } from '../../src/lib/ids.js';
import { listOutbox, type OutboxMessage } from '../../src/platform/mail/index.js';
import type { listeningOidcServer } from './oidc-test-server.js';
import { SignInAgent } from './sign-in-agent.js';
import { appClient, PASSWORD } from './user-sign-in.js';

type OidcServer = Awaited<ReturnType<typeof listeningOidcServer>>;

/** Delivers the outbox now (the sweep's pass) and returns the development outbox's messages to `to`, newest first. */
export async function outboxFor(t: OidcServer, to: string): Promise<OutboxMessage[]> {
  await t.server.runtime.deliverMail();
  return t.server.runtime.db.withPlatform((sql) => listOutbox(sql, { to, limit: 50 }));
}

/** The single-use link of a message, on this node. */
export function linkIn(message: OutboxMessage | undefined, kind: 'invitations' | 'password-reset'): string {
  const link = new RegExp(`https?://\\S+/${kind}/[A-Za-z0-9_-]{43}`).exec(message?.text ?? '')?.[0];
  if (!link) throw new Error(`no ${kind} link in:\n${message?.text ?? '(no message)'}`);
  return link;
}

/** The CSRF token of the account page's form. */
export function csrfOn(page: string): string {
  const csrf = /<input type="hidden" name="csrf" value="([^"]*)">/.exec(page)?.[1];
  if (csrf === undefined) throw new Error(`no form on the page:\n${page}`);
  return csrf;
}

/** Opens an account page's link in `agent` and posts its new-password form; returns the answer's status and page. */
export async function setPasswordAt(agent: SignInAgent, link: string, password: string, confirm = password) {
  const shown = await agent.request(link);
  const page = await shown.text();
  if (shown.status !== 200) return { status: shown.status, page };
  const answer = await agent.request(link, {
    form: { csrf: csrfOn(page), password, password_confirm: confirm },
  });
  return { status: answer.status, page: await answer.text() };
}

/**
 * A member of org A added by its owner through the API, who sets their password from the invitation e-mail of the
 * development outbox (instead of `memberAndApp`'s direct setPassword), and a public application client of org A.
 */
export async function invitedMemberAndApp(t: OidcServer, roles: string[], email: string) {
  const { a } = t.orgs;
  const added = await t.orgs.call(a.ownerKey, 'POST', `/v1/orgs/${a.orgId}/members`, { email, roles });
  if (added.statusCode !== 201) throw new Error(`member: ${added.body}`);
  const userId = added.json().user_id as UserId;
  const [invitation] = await outboxFor(t, email);
  if (!invitation) throw new Error(`no invitation to ${email} in the outbox`);
  const link = linkIn(invitation, 'invitations');
  const set = await setPasswordAt(new SignInAgent(t.server.config.publicUrl), link, PASSWORD);
  if (set.status !== 200) throw new Error(`invitation (${set.status}):\n${set.page}`);
  return { userId, email, link, invitation, setPage: set.page, ...(await appClient(t)) };
}
