import type { Command } from 'commander';
import { AppError } from '../../lib/errors/index.js';
import { isId, type OrgId } from '../../lib/ids.js';
import type { CliContext, OperatorServices } from '../cli-context.js';
import { EXIT, runCommand } from '../run-command.js';

const MAX_PASSWORD_INPUT = 4096;

function orgOption(value: string | undefined): OrgId | undefined {
  if (value === undefined) return undefined;
  if (!isId('org', value)) throw new AppError('http.bad_request', { publicMessage: '--org: not an org id (org_…)' });
  return value;
}

// Reads all of a piped stdin (bounded), or prompts on a terminal without echo.
async function readAllStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.length > MAX_PASSWORD_INPUT)
      throw new AppError('http.bad_request', { publicMessage: 'the password input is too long' });
  }
  return text.replace(/\r?\n$/, '');
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let typed = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (typed.length < MAX_PASSWORD_INPUT) typed += char;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * The new password, from a prompt (twice, not echoed) on a terminal or from piped stdin.
 * SECURITY: never from argv, which other local users can read in the process list and which lands in shell history.
 */
async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readAllStdin();
  const first = await promptHidden('New password: ');
  const again = await promptHidden('Repeat it: ');
  if (first !== again) throw new AppError('http.bad_request', { publicMessage: 'the two passwords differ' });
  return first;
}

async function withServices(ctx: CliContext, body: (services: OperatorServices) => Promise<void>): Promise<number> {
  const services = await ctx.openServices(ctx.loadConfig());
  try {
    await body(services);
    return EXIT.ok;
  } finally {
    await services.close();
  }
}

const revokedLine = (r: { grants: number; sessions: number; orgIds: readonly string[] }) =>
  `${r.grants} sign-in(s) and ${r.sessions} browser session(s) ended; audited in ${r.orgIds.join(', ')}\n`;

/** `bulwark users list|set-password|disable|enable` and `bulwark sessions revoke`: break-glass commands of the server's shell. */
export function registerUserCommands(program: Command, ctx: CliContext): void {
  const users = program
    .command('users')
    .description('Users (people who sign in): list, set a password, disable, enable');

  users
    .command('list')
    .description("List users (all, or one org's members with their roles)")
    .option('--org <id>', 'only the members of this org (org_…)')
    .option('--json', 'print JSON lines')
    .action((options: { org?: string; json?: boolean }) =>
      runCommand(() =>
        withServices(ctx, async (services) => {
          for (const user of await (await services.users()).list(orgOption(options.org))) {
            const wire = {
              user_id: user.userId,
              email: user.email,
              status: user.status,
              created_at: user.createdAt.toISOString(),
              ...(user.roles ? { roles: user.roles } : {}),
            };
            process.stdout.write(
              options.json
                ? `${JSON.stringify(wire)}\n`
                : `${wire.user_id}  ${wire.status.padEnd(8)}  ${wire.email}${user.roles ? `  ${user.roles.join(',')}` : ''}\n`,
            );
          }
        }),
      ),
    );

  users
    .command('set-password')
    .description(
      "Set a user's password (read from a prompt or from stdin, never the command line; audited as system/cli)",
    )
    .requiredOption('--email <email>', "the user's e-mail")
    .action((options: { email: string }) =>
      runCommand(async () => {
        const password = await readNewPassword();
        return withServices(ctx, async (services) => {
          await (await services.users()).setPassword(options.email, password);
          process.stdout.write('password set\n');
        });
      }),
    );

  users
    .command('disable')
    .description(
      'Disable a user and end all their sign-ins at once (audited in the platform and member orgs); refused when an org would be left without an active owner',
    )
    .requiredOption('--email <email>', "the user's e-mail")
    .option(
      '--leave-without-owner',
      'disable even a sole active owner (a compromised account); `users enable` undoes it',
    )
    .option('--json', 'print JSON')
    .action((options: { email: string; leaveWithoutOwner?: boolean; json?: boolean }) =>
      runCommand(() =>
        withServices(ctx, async (services) => {
          const result = await (
            await services.users()
          ).disable(options.email, { leaveWithoutOwner: options.leaveWithoutOwner === true });
          const ownerless = result.orgsWithoutOwner.length
            ? `; no active owner left in ${result.orgsWithoutOwner.join(', ')}`
            : '';
          process.stdout.write(
            options.json
              ? `${JSON.stringify({ was_active: result.wasActive, grants_revoked: result.grants, sessions_ended: result.sessions, orgs_without_owner: result.orgsWithoutOwner })}\n`
              : `${result.wasActive ? 'user disabled' : 'user was already disabled'}${ownerless}; ${revokedLine(result)}`,
          );
        }),
      ),
    );

  users
    .command('enable')
    .description('Enable a disabled user again (they sign in anew; audited in the platform and member orgs)')
    .requiredOption('--email <email>', "the user's e-mail")
    .action((options: { email: string }) =>
      runCommand(() =>
        withServices(ctx, async (services) => {
          const result = await (await services.users()).enable(options.email);
          process.stdout.write(result.wasActive ? 'user was already active\n' : 'user enabled\n');
        }),
      ),
    );

  const sessions = program.command('sessions').description("Users' sign-ins to applications");
  sessions
    .command('revoke')
    .description("End a user's sign-ins (all, or those to one org's applications): tokens stop working at once")
    .requiredOption('--email <email>', "the user's e-mail")
    .option('--org <id>', "only the sign-ins to this org's applications (org_…)")
    .option('--json', 'print JSON')
    .action((options: { email: string; org?: string; json?: boolean }) =>
      runCommand(() =>
        withServices(ctx, async (services) => {
          const result = await (await services.users()).revokeSessions(options.email, orgOption(options.org));
          process.stdout.write(
            options.json
              ? `${JSON.stringify({ grants_revoked: result.grants, sessions_ended: result.sessions, org_ids: result.orgIds })}\n`
              : revokedLine(result),
          );
        }),
      ),
    );
}
