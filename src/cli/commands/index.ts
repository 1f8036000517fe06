import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { registerAuditCommands } from './audit-commands.js';
import { registerGuardEval } from './guard-eval.js';
import { registerKeyCommands } from './key-commands.js';
import { registerOrgCommands } from './org-commands.js';
import { registerOutboxCommands } from './outbox-commands.js';
import { registerPolicyCommands } from './policy-commands.js';
import { registerSandboxProcessorCommand } from './sandbox-processor-command.js';
import { registerRegistryCommands } from './registry-commands.js';
import { registerServerCommands } from './server-commands.js';
import { registerUserCommands } from './user-commands.js';
import { registerVaultCommands } from './vault-commands.js';

/** Adds every `bulwark` subcommand to the program. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerServerCommands(program, ctx);
  registerOrgCommands(program, ctx);
  registerAuditCommands(program, ctx);
  registerPolicyCommands(program, ctx);
  registerRegistryCommands(program, ctx);
  registerVaultCommands(program, ctx);
  registerKeyCommands(program, ctx);
  registerUserCommands(program, ctx);
  registerOutboxCommands(program, ctx);
  registerGuardEval(program);
  registerSandboxProcessorCommand(program);
}
