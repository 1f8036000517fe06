import type { Config } from '../../config/index.js';
import { devOutboxTransport } from './dev-outbox-transport.js';
import type { MailTransport } from './mail-transport.js';
import { smtpTransport } from './smtp-transport.js';

/** The transport the configuration names (`mail.transport`). */
export function openMailTransport(config: Pick<Config, 'mail'>): MailTransport {
  const { mail } = config;
  if (mail.transport === 'outbox') return devOutboxTransport();
  // INVARIANT: the schema requires smtpUrl with transport smtp.
  if (!mail.smtpUrl) throw new Error('mail.smtpUrl is required with transport smtp');
  return smtpTransport({ url: mail.smtpUrl.reveal(), from: mail.from });
}
