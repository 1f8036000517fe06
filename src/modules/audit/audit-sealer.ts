import type { OrgId } from '../../lib/ids.js';
import type { AuditLog } from './audit-log.js';
import { SEAL_INTERVAL_MS } from './checkpoint.js';

/** Dependencies of the sealing timer. */
export interface AuditSealerDeps {
  audit: Pick<AuditLog, 'seal'>;
  /** Every org whose chain may need sealing (the tenancy module's list, injected by main). */
  listOrgIds: () => Promise<readonly OrgId[]>;
  /** How often a pass runs (default 60 s): the time bound of an unsealed event while a node runs. */
  intervalMs?: number;
  /** Called when a pass, or one org's seal, failed; the next pass tries again. */
  onError?: (error: unknown, orgId?: OrgId) => void;
}

/**
 * The time bound of sealing: every `intervalMs` a pass seals each org whose head is past its last checkpoint, so an
 * event waits at most about one interval for a seal even when its org writes fewer events than the append path's
 * bound. Runs in the serving node (there is no jobs runner yet); `stop` ends it and runs one last pass.
 */
export class AuditSealer {
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private started = false;
  private stopped = false;

  constructor(private readonly deps: AuditSealerDeps) {
    this.intervalMs = deps.intervalMs ?? SEAL_INTERVAL_MS;
  }

  /** Starts the timer with a pass at once (which also seals chains written before sealing existed, or by the CLI). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  /** One pass over every org; resolves with the number of checkpoints written. Never rejects (errors go to onError). */
  async sealAll(): Promise<number> {
    let sealed = 0;
    let orgIds: readonly OrgId[];
    try {
      orgIds = await this.deps.listOrgIds();
    } catch (error) {
      this.deps.onError?.(error);
      return 0;
    }
    for (const orgId of orgIds) {
      try {
        if (await this.deps.audit.seal(orgId)) sealed += 1;
      } catch (error) {
        this.deps.onError?.(error, orgId);
      }
    }
    return sealed;
  }

  /** Stops the timer, waits for a pass in progress and, if the timer ran, seals once more so a graceful stop leaves no unsealed tail. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.started) await this.sealAll();
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.sealAll().then(() => {
        if (!this.stopped) this.schedule(this.intervalMs);
      });
    }, delayMs);
    // The timer alone never keeps the process alive; shutdown calls stop().
    this.timer.unref();
  }
}
