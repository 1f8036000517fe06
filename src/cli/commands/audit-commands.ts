import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { isId, type OrgId } from '../../lib/ids.js';
import type { AuditVerdict } from '../../modules/audit/index.js';
import { pruneUsageRecords } from '../../modules/gateway/index.js';
import type { CliContext } from '../cli-context.js';
import { EXIT, runCommand } from '../run-command.js';

function orgIdOption(value: string): OrgId {
  if (!isId('org', value)) throw new Error(`--org: '${value}' is not an org id (org_…)`);
  return value;
}

/** One line of `audit verify` output for an org. */
function describeVerdict(orgId: string, verdict: AuditVerdict): string {
  const seals = `${verdict.checkpointsChecked} checkpoints${verdict.macsChecked ? '' : ' (MACs NOT checked: no key)'}, last sealed seq ${verdict.lastCheckpointSeq}, unsealed tail ${verdict.unsealedEvents} events`;
  if (verdict.ok)
    return `ok      ${orgId}  ${verdict.eventsChecked} events, head ${verdict.lastHash.slice(0, 16)}…; ${seals}\n`;
  const where =
    verdict.badCheckpointSeq === undefined
      ? `first bad sequence ${verdict.firstBadSeq}`
      : `checkpoint at seq ${verdict.badCheckpointSeq} fails; events from seq ${verdict.firstBadSeq} up to it are not proven`;
  return `BROKEN  ${orgId}  ${where} (${verdict.problem}); ${verdict.eventsChecked} events verified; ${seals}\n`;
}

/** `bulwark audit verify`, `bulwark audit export` and `bulwark audit verify-export`. */
export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('Verify and export the tamper-evident audit log');

  audit
    .command('verify')
    .description(
      "Recompute an org's hash chain (or every org's), check its sealed checkpoints, and name the first bad sequence or checkpoint",
    )
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
            process.stdout.write(
              options.json ? `${JSON.stringify({ org_id: orgId, ...verdict })}\n` : describeVerdict(orgId, verdict),
            );
          }
          return broken === 0 ? EXIT.ok : EXIT.failed;
        } finally {
          await services.close();
        }
      }),
    );

  audit
    .command('export')
    .description("Write an org's audit events and checkpoints as JSONL (verifiable with docs/audit-format.md)")
    .requiredOption('--org <org_id>', 'the org to export')
    .option('--out <file>', 'output file (default: stdout)')
    .option('--after-seq <n>', 'only events (and checkpoints) after this sequence number', '0')
    .action((options: { org: string; out?: string; afterSeq: string }) =>
      runCommand(async () => {
        const orgId = orgIdOption(options.org);
        const afterSeq = Number(options.afterSeq);
        if (!Number.isInteger(afterSeq) || afterSeq < 0) throw new Error('--after-seq must be a whole number');
        const services = await ctx.openServices(ctx.loadConfig());
        const out = options.out ? createWriteStream(options.out, { mode: 0o600 }) : process.stdout;
        try {
          let count = 0;
          for await (const line of services.audit.exportLines(orgId, { afterSeq })) {
            if (!out.write(line)) await once(out, 'drain');
            count += 1;
          }
          if (options.out) process.stderr.write(`exported ${count} lines (events and checkpoints) to ${options.out}\n`);
        } finally {
          if (out !== process.stdout) await new Promise<void>((resolve) => (out as NodeJS.WritableStream).end(resolve));
          await services.close();
        }
      }),
    );

  audit
    .command('verify-export')
    .description(
      "Check a full export file (from seq 1) with the vault's MAC key: the hash chain, every checkpoint's sealed hash and its MAC",
    )
    .requiredOption('--org <org_id>', 'the org the export belongs to')
    .requiredOption('--file <file>', 'the JSONL export')
    .option('--json', 'print JSON')
    .action((options: { org: string; file: string; json?: boolean }) =>
      runCommand(async () => {
        const orgId = orgIdOption(options.org);
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          const lines = createInterface({ input: createReadStream(options.file, 'utf8'), crlfDelay: Infinity });
          const verdict = await services.audit.verifyExportLines(orgId, lines);
          process.stdout.write(
            options.json ? `${JSON.stringify({ org_id: orgId, ...verdict })}\n` : describeVerdict(orgId, verdict),
          );
          return verdict.ok ? EXIT.ok : EXIT.failed;
        } finally {
          await services.close();
        }
      }),
    );

  audit
    .command('prune-usage')
    .description(
      'Delete settled and released gateway usage records created before --before, except those under a legal hold (audit events are never pruned)',
    )
    .requiredOption('--before <date>', 'an RFC 3339 date or time: records created before it are pruned')
    .option('--org <org_id>', 'the org to prune (default: all orgs)')
    .option('--json', 'print JSON')
    .action((options: { before: string; org?: string; json?: boolean }) =>
      runCommand(async () => {
        const before = new Date(options.before);
        if (!/^\d{4}-\d{2}-\d{2}/.test(options.before) || Number.isNaN(before.getTime()))
          throw new Error(`--before: '${options.before}' is not an RFC 3339 date`);
        const services = await ctx.openServices(ctx.loadConfig());
        try {
          const orgIds = options.org ? [orgIdOption(options.org)] : await services.orgs.allIds();
          for (const orgId of orgIds) {
            const result = await pruneUsageRecords(services, orgId, before, { type: 'system', id: 'cli' });
            process.stdout.write(
              options.json
                ? `${JSON.stringify({ org_id: orgId, ...result })}\n`
                : `${orgId}  deleted ${result.deleted}, kept ${result.held} under legal hold\n`,
            );
          }
          return EXIT.ok;
        } finally {
          await services.close();
        }
      }),
    );
}
