import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { orgIdArgument } from '../org-id-argument.js';
import { EXIT, runCommand } from '../run-command.js';

/** `bulwark serve`, `bulwark migrate` and `bulwark doctor`. */
export function registerServerCommands(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Start the HTTP server (migrates the database and bootstraps the platform on first start)')
    .action(() => runCommand(async () => ctx.serve(ctx.loadConfig())));

  program
    .command('migrate')
    .description(
      'Apply pending database migrations over the owner connection (BULWARK_MIGRATION_DATABASE_URL, else DATABASE_URL) and provision the serving login',
    )
    .action(() =>
      runCommand(async () => {
        const { applied, servingLogin } = await ctx.migrate(ctx.loadConfig());
        process.stdout.write(
          applied.length ? `applied migrations ${applied.join(', ')}\n` : 'database is up to date\n',
        );
        if (servingLogin)
          process.stdout.write(`serving login ${servingLogin.user}: ${servingLogin.outcome.replace(/_/g, ' ')}\n`);
      }),
    );

  program
    .command('bootstrap-reissue')
    .description('Print a new one-time bootstrap secret (only while the first was never redeemed)')
    .action(() =>
      runCommand(async () => {
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          const { secret, expiresAt } = await services.reissueBootstrap();
          process.stdout.write(
            `Bootstrap secret (shown once, single use, expires ${expiresAt.toISOString()}):\n\n    ${secret}\n\nEarlier bootstrap secrets no longer work.\n`,
          );
        } finally {
          await services.close();
        }
      }),
    );

  program
    .command('owner-setup')
    .description("Break-glass: a one-time setup secret for an org's owner, redeemed at /setup with a passkey")
    .requiredOption('--org <id>', 'the org (the platform org for the platform owner)')
    .option('--email <address>', "which owner (default: the org's first owner)")
    .action((options: { org: string; email?: string }) =>
      runCommand(async () => {
        const orgId = orgIdArgument(options.org);
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          const setup = await services.issueOwnerSetup(orgId, options.email);
          process.stdout.write(
            `Owner setup secret for ${setup.email} (shown once, single use, expires ${setup.expiresAt.toISOString()}):\n\n    ${setup.secret}\n\nRedeem it at ${services.config.publicUrl.replace(/\/+$/, '')}/setup with a passkey. Earlier setup secrets of this owner no longer work.\n`,
          );
        } finally {
          await services.close();
        }
      }),
    );

  program
    .command('doctor')
    .description('Validate configuration and connectivity and say what is wrong')
    .option('--json', 'print the checks as JSON')
    .action((options: { json?: boolean }) =>
      runCommand(async () => {
        const checks = await ctx.doctor(ctx.loadConfig());
        if (options.json) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
        else
          for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(14)} ${c.detail}\n`);
        return checks.every((c) => c.ok) ? EXIT.ok : EXIT.failed;
      }),
    );
}
