import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { systemClock } from '../../lib/clock.js';
import { startSandboxProcessor, type WebhookEndpoint } from '../../modules/billing/index.js';
import { runCommand } from '../run-command.js';

function webhookOf(value: string, previous: WebhookEndpoint[]): WebhookEndpoint[] {
  const at = value.lastIndexOf('=');
  const url = value.slice(0, at);
  const secret = value.slice(at + 1);
  if (at < 0 || !/^https?:\/\//.test(url) || !secret.startsWith('whsec_'))
    throw new Error(`--webhook wants URL=whsec_SECRET, got ${value.slice(0, 80)}`);
  return [...previous, { url, secret }];
}

/** `bulwark sandbox-processor`: the Stripe-compatible sandbox on its own port, until interrupted. */
export function registerSandboxProcessorCommand(program: Command): void {
  program
    .command('sandbox-processor')
    .description('Run the Stripe-compatible sandbox payment processor (test cards only) until interrupted')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '12111')
    .option('--secret-key <key>', 'the sk_test_ key clients must present (default: a new random one, printed)')
    .option(
      '--webhook <url=secret>',
      'send signed events to URL with signing secret whsec_… (repeatable)',
      webhookOf,
      [],
    )
    .action((options: { host: string; port: string; secretKey?: string; webhook: WebhookEndpoint[] }) =>
      runCommand(async () => {
        const secretKey = options.secretKey ?? `sk_test_${randomBytes(18).toString('base64url')}`;
        if (!secretKey.startsWith('sk_test_')) throw new Error('--secret-key must start with sk_test_');
        const sandbox = await startSandboxProcessor({
          secretKey,
          clock: systemClock,
          webhooks: options.webhook,
          host: options.host,
          port: Number(options.port),
        });
        process.stdout.write(
          `sandbox processor on ${sandbox.url} (test cards only)\n  secret key: ${secretKey}\n  card page:  ${sandbox.url}/sandbox/tokenize\n`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await sandbox.close();
      }),
    );
}
