import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { EXIT, runCommand } from '../run-command.js';

/** `bulwark keys rotate`. */
export function registerKeyCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('Signing keys of the OpenID provider');
  keys
    .command('rotate')
    .description(
      'Create a new ES256 signing key: published in the JWKS now, signing one access-token lifetime later; the old key verifies until its last token expires',
    )
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      runCommand(async () => {
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          const key = await services.rotateSigningKey();
          const signsFrom = key.signsFrom.toISOString();
          process.stdout.write(
            options.json
              ? `${JSON.stringify({ kid: key.kid, signs_from: signsFrom, created: key.created })}\n`
              : `${key.created ? 'new signing key' : 'a signing key is already waiting'} ${key.kid}: signs from ${signsFrom}\n`,
          );
          return EXIT.ok;
        } finally {
          await services.close();
        }
      }),
    );
}
