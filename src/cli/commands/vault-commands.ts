import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { EXIT, runCommand } from '../run-command.js';

/** `bulwark vault rotate-kek`. */
export function registerVaultCommands(program: Command, ctx: CliContext): void {
  const vault = program.command('vault').description('Key vault operations');
  vault
    .command('rotate-kek')
    .description('Create a new key-encryption key and re-wrap every org data key under it (data is not re-encrypted)')
    .option('--resume', 'finish an interrupted rotation under the current key instead of creating another')
    .action((options: { resume?: boolean }) =>
      runCommand(async () => {
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          const result = await services.rotateKek({ resume: options.resume === true });
          process.stdout.write(
            `key-encryption key version ${result.kekVersion}: re-wrapped ${result.keysRewrapped} data keys of ${result.orgs} orgs\n`,
          );
          if (result.failedOrgs.length === 0) return EXIT.ok;
          process.stderr.write(
            `data keys of ${result.failedOrgs.length} orgs failed to unwrap (altered or unknown key): ${result.failedOrgs.join(', ')}\n`,
          );
          return EXIT.failed;
        } finally {
          await services.close();
        }
      }),
    );
}
