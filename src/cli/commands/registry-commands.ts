import type { Command } from 'commander';
import { AppError } from '../../lib/errors/index.js';
import { isId } from '../../lib/ids.js';
import type { CliContext } from '../cli-context.js';
import { runCommand } from '../run-command.js';

function badArgument(message: string): AppError {
  return new AppError('http.bad_request', { publicMessage: message });
}

/**
 * `bulwark prompts rollback` and `bulwark routes rollback`: the operator's one command back to an earlier version,
 * through the same use case as the API (a new version with that content, audited with actor system/cli).
 */
export function registerRegistryCommands(program: Command, ctx: CliContext): void {
  for (const [noun, what] of [
    ['prompts', 'prompt'],
    ['routes', 'model route'],
  ] as const) {
    program
      .command(noun)
      .description(`Manage an org's ${what}s`)
      .command('rollback')
      .description(
        `Roll a ${what} back to an earlier version (a new version with its content; audited, actor system/cli)`,
      )
      .argument('<name>', `the ${what} name`)
      .requiredOption('--org <id>', 'the org id (org_…)')
      .requiredOption('--to <version>', 'the version to restore')
      .option('--json', 'print JSON')
      .action((name: string, options: { org: string; to: string; json?: boolean }) =>
        runCommand(async () => {
          if (!isId('org', options.org))
            throw badArgument(`--org: not an org id: ${JSON.stringify(options.org.slice(0, 64))}`);
          if (!/^[1-9]\d{0,8}$/.test(options.to))
            throw badArgument(`--to: not a version number: ${JSON.stringify(options.to.slice(0, 16))}`);
          const services = await ctx.openServices(ctx.loadConfig());
          try {
            const rollback = noun === 'prompts' ? services.rollbackPrompt : services.rollbackRoute;
            const { version, restoredFrom } = await rollback(options.org, name, Number(options.to));
            process.stdout.write(
              options.json
                ? `${JSON.stringify({ org_id: options.org, name, version, restored_from: restoredFrom })}\n`
                : `${name}: version ${restoredFrom} restored as version ${version}\n`,
            );
          } finally {
            await services.close();
          }
        }),
      );
  }
}
