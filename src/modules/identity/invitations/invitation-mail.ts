import type { NewMail } from '../../../platform/mail/index.js';

/** The invitation e-mail: plain text, the org named, the link that sets the first password. */
export function invitationMail(to: string, orgName: string, link: string, validDays: number): NewMail {
  return {
    purpose: 'invitation',
    to,
    subject: `You are invited to ${orgName} on Bulwark`.slice(0, 200),
    text: [
      `You were added to the organisation "${orgName}" on Bulwark.`,
      '',
      'Choose your password here (the link works once):',
      link,
      '',
      `The link expires in ${validDays} days. After setting your password, sign in from your application; the`,
      'first sign-in asks you to set up a second factor.',
      '',
      'If you did not expect this, ignore this e-mail.',
    ].join('\n'),
  };
}

/**
 * The e-mail that carries a new org owner's one-time setup secret: the only copy (it is stored as a hash), so no one
 * but the owner's mailbox holds an owner credential of the org.
 */
export function ownerSetupMail(
  to: string,
  orgName: string,
  setupUrl: string,
  secret: string,
  expiresAt: Date,
): NewMail {
  return {
    purpose: 'owner_setup',
    to,
    subject: `Set up your owner account of ${orgName} on Bulwark`.slice(0, 200),
    text: [
      `You are the owner of the organisation "${orgName}" on Bulwark. Owners act only with a passkey.`,
      '',
      `Open ${setupUrl}, paste this one-time setup secret and register a passkey; you then get your first API key:`,
      '',
      `    ${secret}`,
      '',
      `The secret works once and expires at ${expiresAt.toISOString()}.`,
      '',
      'If you did not expect this, ignore this e-mail.',
    ].join('\n'),
  };
}
