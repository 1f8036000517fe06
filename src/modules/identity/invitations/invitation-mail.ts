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
