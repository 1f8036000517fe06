export {
  DEFAULT_MAIL_DELIVERY,
  deliverDueMail,
  type MailDeliveryPass,
  type MailDeliverySettings,
} from './deliver-mail.js';
export { devOutboxTransport } from './dev-outbox-transport.js';
export type { MailTransport, MailTransportKind, OutgoingMail } from './mail-transport.js';
export { openMailTransport } from './open-mail-transport.js';
export { listOutbox, queueMail, type MailPurpose, type NewMail, type OutboxMessage } from './outbox-repo.js';
export { smtpTransport, type SmtpSettings } from './smtp-transport.js';
