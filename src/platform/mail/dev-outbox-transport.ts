import type { MailTransport } from './mail-transport.js';

/**
 * The development transport (the embedded default): nothing leaves the node. Delivering a message only marks it
 * readable in the outbox table, where the operator reads it with `bulwark outbox`. Production refuses this transport
 * unless development shortcuts are allowed.
 */
export function devOutboxTransport(): MailTransport {
  return {
    kind: 'outbox',
    send: async () => undefined,
    close: async () => undefined,
  };
}
