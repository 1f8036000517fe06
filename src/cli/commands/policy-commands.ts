import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { orgIdArgument } from '../org-id-argument.js';
import { runCommand } from '../run-command.js';

/** `bulwark policy reset`: the operator's way back when an org's policies lock it out. */
export function registerPolicyCommands(program: Command, ctx: CliContext): void {
  const policy = program.command('policy').description("Manage an org's Cedar policies");

  policy
    .command('reset')
    .description(
      'Restore the built-in policies of an org: stores an empty org policy text as a new version (audited, actor system/cli)',
    )
    .requiredOption('--org <id>', 'the org id (org_…)')
    .option('--json', 'print JSON')
    .action((options: { org: string; json?: boolean }) =>
      runCommand(async () => {
        const orgId = orgIdArgument(options.org);
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          const { version } = await services.resetPolicies(orgId);
          process.stdout.write(
            options.json
              ? `${JSON.stringify({ org_id: options.org, version })}\n`
              : `${options.org}: built-in policies restored as version ${version}\n`,
          );
        } finally {
          await services.close();
        }
      }),
    );
}
