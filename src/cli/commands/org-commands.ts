import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { runCommand } from '../run-command.js';

const OPERATOR = { type: 'system', id: 'cli' } as const;

/** `bulwark org create|list`: operator commands run with shell access to the configuration. */
export function registerOrgCommands(program: Command, ctx: CliContext): void {
  const org = program.command('org').description('Manage orgs (tenants)');

  org
    .command('create')
    .description('Create an org')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--slug <slug>', 'unique handle: lowercase letters, digits, dashes')
    .option('--json', 'print JSON')
    .action((options: { name: string; slug: string; json?: boolean }) =>
      runCommand(async () => {
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          const created = await services.orgs.create({ name: options.name, slug: options.slug }, OPERATOR);
          process.stdout.write(options.json ? `${JSON.stringify(created)}\n` : `${created.id}  ${created.slug}  ${created.name}\n`);
        } finally {
          await services.close();
        }
      }),
    );

  org
    .command('list')
    .description('List orgs')
    .option('--json', 'print JSON lines')
    .action((options: { json?: boolean }) =>
      runCommand(async () => {
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          for (const id of await services.orgs.allIds()) {
            const o = await services.orgs.get(id);
            process.stdout.write(options.json ? `${JSON.stringify(o)}\n` : `${o.id}  ${o.status.padEnd(6)}  ${o.slug}  ${o.name}\n`);
          }
        } finally {
          await services.close();
        }
      }),
    );
}
