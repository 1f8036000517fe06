import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { systemClock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors/index.js';
import { freezeOrg, freezeReasons, orgStatusChangeSchema, unfreezeOrg } from '../../modules/tenancy/index.js';
import { runCommand } from '../run-command.js';

const OPERATOR = { type: 'system', id: 'cli' } as const;

/** `bulwark org create|list|freeze|unfreeze`: operator commands run with shell access to the configuration. */
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
          process.stdout.write(
            options.json ? `${JSON.stringify(created)}\n` : `${created.id}  ${created.slug}  ${created.name}\n`,
          );
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
            process.stdout.write(
              options.json ? `${JSON.stringify(o)}\n` : `${o.id}  ${o.status.padEnd(6)}  ${o.slug}  ${o.name}\n`,
            );
          }
        } finally {
          await services.close();
        }
      }),
    );

  for (const verb of ['freeze', 'unfreeze'] as const) {
    org
      .command(verb)
      .description(
        verb === 'freeze'
          ? 'Freeze an org: its mutations and model calls are refused, reads stay open (audited in its chain)'
          : 'Unfreeze a frozen org (audited in its chain)',
      )
      .requiredOption('--org <id>', 'org id (org_…)')
      .requiredOption('--reason <reason>', `why: ${freezeReasons.join(', ')}`)
      .option('--note <text>', 'free text kept in the audit event (a case number, say)')
      .option('--json', 'print JSON')
      .action((options: { org: string; reason: string; note?: string; json?: boolean }) =>
        runCommand(async () => {
          const change = orgStatusChangeSchema.safeParse({
            reason: options.reason,
            ...(options.note !== undefined ? { note: options.note } : {}),
          });
          if (!change.success)
            throw new AppError('http.bad_request', {
              publicMessage: change.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '),
            });
          const services = await ctx.openServices(ctx.loadConfig());
          try {
            const apply = verb === 'freeze' ? freezeOrg : unfreezeOrg;
            const changed = await services.db.withPlatform((platform) =>
              apply(platform, { clock: systemClock, audit: services.audit }, options.org, change.data, {
                actor: OPERATOR,
              }),
            );
            process.stdout.write(options.json ? `${JSON.stringify(changed)}\n` : `${changed.id}  ${changed.status}\n`);
          } finally {
            await services.close();
          }
        }),
      );
  }
}
