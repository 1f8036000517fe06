import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { runCommand } from '../run-command.js';

/** `bulwark vault rotate-kek`. */
export function registerVaultCommands(program: Command, ctx: CliContext): void {
  const vault = program.command('vault').description('Key vault operations');
  vault
    .command('rotate-kek')
    .description('Create a new key-encryption key and re-wrap every org data key under it (data is not re-encrypted)')
    .action(() =>
      runCommand(async () => {
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          const result = await services.rotateKek();
          process.stdout.write(`key-encryption key version ${result.kekVersion}: re-wrapped ${result.keysRewrapped} data keys of ${result.orgs} orgs\n`);
        } finally {
          await services.close();
        }
      }),
    );
}
