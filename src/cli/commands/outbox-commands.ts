import type { Command } from 'commander';
import { z } from 'zod';
import { deliverDueMail, devOutboxTransport, listOutbox, type OutboxMessage } from '../../platform/mail/index.js';
import type { CliContext } from '../cli-context.js';
import { EXIT, runCommand } from '../run-command.js';

const optionsSchema = z.object({
  to: z.email('--to: not an e-mail address').max(320).optional(),
  limit: z.coerce.number().int('--limit: a whole number').min(1, '--limit: 1 to 500').max(500, '--limit: 1 to 500'),
  json: z.boolean().optional(),
});

/** One message as `bulwark outbox` prints it: a header line, the subject, the body, a separator. */
export function describeOutboxMessage(message: OutboxMessage): string {
  return `${message.id}  ${message.createdAt.toISOString()}  ${message.purpose}  to ${message.to}
Subject: ${message.subject}

${message.text}
----
`;
}

/** One message as a JSON line. */
export function outboxMessageJson(message: OutboxMessage): string {
  return `${JSON.stringify({
    id: message.id,
    purpose: message.purpose,
    to: message.to,
    subject: message.subject,
    text: message.text,
    created_at: message.createdAt.toISOString(),
    delivered_at: message.deliveredAt.toISOString(),
  })}\n`;
}

/** `bulwark outbox`: the development outbox's messages (invitation and reset links), newest first. */
export function registerOutboxCommands(program: Command, ctx: CliContext): void {
  program
    .command('outbox')
    .description(
      'List the e-mails of the development outbox (mail.transport outbox), newest first: invitation and password-reset links for development and the embedded default',
    )
    .option('--to <email>', 'only the messages to this address')
    .option('--limit <n>', 'at most this many messages (1 to 500)', '20')
    .option('--json', 'print JSON lines')
    .action((raw: { to?: string; limit: string; json?: boolean }) =>
      runCommand(async () => {
        const parsed = optionsSchema.safeParse(raw);
        if (!parsed.success) {
          process.stderr.write(`bulwark: ${parsed.error.issues.map((issue) => issue.message).join('; ')}\n`);
          return EXIT.failed;
        }
        const options = parsed.data;
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          // The server's sweep delivers the outbox every few seconds; a message queued just before it stopped is
          // delivered (made readable) here, so the operator sees it too. Nothing is sent anywhere.
          if (services.config.mail.transport === 'outbox')
            await deliverDueMail({ db: services.db, transport: devOutboxTransport() }, new Date());
          const messages = await services.db.withPlatform((sql) =>
            listOutbox(sql, { limit: options.limit, ...(options.to ? { to: options.to } : {}) }),
          );
          for (const message of messages)
            process.stdout.write(options.json ? outboxMessageJson(message) : describeOutboxMessage(message));
          if (!options.json && messages.length === 0)
            process.stderr.write(
              services.config.mail.transport === 'outbox'
                ? 'the development outbox is empty\n'
                : 'mail.transport is smtp: messages are sent, not kept in the outbox\n',
            );
          return EXIT.ok;
        } finally {
          await services.close();
        }
      }),
    );
}
