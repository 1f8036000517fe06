/** One e-mail as a transport sends it (plain text only: no HTML a mail client could be tricked into rendering). */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/** Which transport delivers the outbox: the development outbox (the database) or an SMTP server. */
export type MailTransportKind = 'outbox' | 'smtp';

/**
 * The port every mail adapter implements. `send` resolves once the message is accepted for delivery and throws when
 * it was not (the sweep then retries it with backoff).
 */
export interface MailTransport {
  readonly kind: MailTransportKind;
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}
