import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { isId, type OrgId } from '../../lib/ids.js';
import { toJsonLine } from '../../modules/audit/index.js';
import type { CliContext } from '../cli-context.js';
import { EXIT, runCommand } from '../run-command.js';

function orgIdOption(value: string): OrgId {
  if (!isId('org', value)) throw new Error(`--org: '${value}' is not an org id (org_…)`);
  return value;
}

/** `bulwark audit verify` and `bulwark audit export`. */
export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('Verify and export the tamper-evident audit log');

  audit
    .command('verify')
    .description("Recompute an org's hash chain (or every org's) and name the first bad sequence")
    .option('--org <org_id>', 'the org to verify (default: all orgs)')
    .option('--json', 'print JSON')
    .action((options: { org?: string; json?: boolean }) =>
      runCommand(async () => {
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          const orgIds = options.org ? [orgIdOption(options.org)] : await services.orgs.allIds();
          let broken = 0;
          for (const orgId of orgIds) {
            const verdict = await services.audit.verify(orgId);
            if (!verdict.ok) broken += 1;
            if (options.json) process.stdout.write(`${JSON.stringify({ org_id: orgId, ...verdict })}\n`);
            else if (verdict.ok) process.stdout.write(`ok      ${orgId}  ${verdict.eventsChecked} events, head ${verdict.lastHash.slice(0, 16)}…\n`);
            else process.stdout.write(`BROKEN  ${orgId}  first bad sequence ${verdict.firstBadSeq} (${verdict.problem}); ${verdict.eventsChecked} events verified before it\n`);
          }
          return broken === 0 ? EXIT.ok : EXIT.failed;
        } finally {
          await services.close();
        }
      }),
    );

  audit
    .command('export')
    .description("Write an org's audit events as JSONL (verifiable with docs/audit-format.md)")
    .requiredOption('--org <org_id>', 'the org to export')
    .option('--out <file>', 'output file (default: stdout)')
    .option('--after-seq <n>', 'only events after this sequence number', '0')
    .action((options: { org: string; out?: string; afterSeq: string }) =>
      runCommand(async () => {
        const orgId = orgIdOption(options.org);
        const afterSeq = Number(options.afterSeq);
        if (!Number.isInteger(afterSeq) || afterSeq < 0) throw new Error('--after-seq must be a whole number');
        const services = await ctx.openServices(ctx.loadConfig());
        const out = options.out ? createWriteStream(options.out, { mode: 0o600 }) : process.stdout;
        try {
          let count = 0;
          for await (const record of services.audit.records(orgId, { afterSeq })) {
            if (!out.write(toJsonLine(record))) await once(out, 'drain');
            count += 1;
          }
          if (options.out) process.stderr.write(`exported ${count} events to ${options.out}\n`);
        } finally {
          if (out !== process.stdout) await new Promise<void>((resolve) => (out as NodeJS.WritableStream).end(resolve));
          await services.close();
        }
      }),
    );
}
