import nodemailer from 'nodemailer';
import type { MailTransport } from './mail-transport.js';

/** Where and as whom SMTP mail is sent. */
export interface SmtpSettings {
  /** `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://…:465` (TLS from the start). */
  url: string;
  /** The From header, e.g. `Bulwark <no-reply@example.com>`. */
  from: string;
  /** Connect, greeting and socket timeouts (default 10 s each), so a stuck server cannot hold the sweep. */
  timeoutMs?: number;
}

/** The production transport: nodemailer over SMTP, a connection per message (invitations and resets are few). */
export function smtpTransport(settings: SmtpSettings): MailTransport {
  const timeout = settings.timeoutMs ?? 10_000;
  const transporter = nodemailer.createTransport({
    url: settings.url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // SECURITY: a server that announces STARTTLS must then present a valid certificate (nodemailer's default); it is
    // not disabled here for any environment.
  });
  return {
    kind: 'smtp',
    async send(mail) {
      await transporter.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    async close() {
      transporter.close();
    },
  };
}
