/** One action of the catalogue: its scope name (what users and API keys see) and what it allows. */
export interface ActionSpec {
  readonly name: string;
  readonly description: string;
}

// INVARIANT: this list and the actions of policies/schema/bulwark.cedarschema are the same set (a test checks it).
/** Every action (scope) Bulwark authorizes, in display order. */
export const actionCatalogue = [
  { name: 'read:org', description: 'Read the organization profile, settings and usage summary.' },
  { name: 'manage:org', description: 'Change organization settings, SSO connections and security defaults.' },
  { name: 'transfer:org', description: 'Transfer ownership of the organization or delete it (owners only).' },
  {
    name: 'manage:orgs',
    description: 'Create, list, suspend and delete organizations on this installation (platform owners only).',
  },
  { name: 'read:members', description: 'List members of the organization and their roles.' },
  { name: 'manage:members', description: 'Invite and remove members and change their roles.' },
  {
    name: 'manage:own-sessions',
    description: 'List and end your own sign-ins (people signed in with an access token; never an API key or service).',
  },
  { name: 'read:service-accounts', description: 'List service accounts and their roles.' },
  {
    name: 'manage:service-accounts',
    description: 'Create, change and delete service accounts and their client credentials.',
  },
  { name: 'read:keys', description: 'List API keys (metadata only; a key secret is shown once, at creation).' },
  { name: 'manage:keys', description: 'Create, rotate and revoke API keys.' },
  { name: 'read:policies', description: "Read the organization's authorization policies and explain decisions." },
  { name: 'manage:policies', description: "Change the organization's authorization policies." },
  { name: 'read:audit', description: 'Read the audit log and verify its hash chain.' },
  { name: 'export:audit', description: 'Export the audit log and place or release legal holds.' },
  { name: 'read:models', description: 'List models, providers and routes.' },
  { name: 'invoke:models', description: 'Send inference requests through the gateway.' },
  { name: 'manage:models', description: 'Configure providers, routes, canaries, shadow inference and rollbacks.' },
  { name: 'read:prompts', description: 'Read prompt templates and their versions.' },
  { name: 'write:prompts', description: 'Create and change prompt templates.' },
  { name: 'read:documents', description: 'Read retrieval documents and search them.' },
  { name: 'write:documents', description: 'Upload, change and delete retrieval documents.' },
  { name: 'read:pii', description: 'See personal data unmasked (subject to region and project conditions).' },
  { name: 'review:quarantine', description: 'Review, release or discard quarantined model responses.' },
  { name: 'read:usage', description: 'Read usage, quotas and cost reports.' },
  { name: 'read:billing', description: 'Read plans, invoices and payment history.' },
  { name: 'bill:payments', description: 'Manage payment methods, charge, refund and handle disputes.' },
] as const satisfies readonly ActionSpec[];

/** An action (scope) name such as `read:models`. */
export type Action = (typeof actionCatalogue)[number]['name'];

/** Every action name. */
export const actions: readonly Action[] = actionCatalogue.map((spec) => spec.name);

const actionSet: ReadonlySet<string> = new Set(actions);

/** True when `value` names an action of the catalogue. */
export function isAction(value: string): value is Action {
  return actionSet.has(value);
}
