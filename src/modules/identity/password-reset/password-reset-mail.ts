import type { NewMail } from '../../../platform/mail/index.js';

/** The password-reset e-mail: plain text, the link, what it does not do (skip the second factor). */
export function passwordResetMail(to: string, link: string, validMinutes: number): NewMail {
  return {
    purpose: 'password_reset',
    to,
    subject: 'Reset your Bulwark password',
    text: [
      'Someone (we hope you) asked to reset the password of this Bulwark account.',
      '',
      'Choose a new password here (the link works once):',
      link,
      '',
      `The link expires in ${validMinutes} minutes. Your second factor stays as it is and is still asked at sign-in.`,
      '',
      'If you did not ask for this, ignore this e-mail: your password does not change.',
    ].join('\n'),
  };
}
