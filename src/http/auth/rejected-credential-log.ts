import type { OrgId } from '../../lib/ids.js';
import type { AuditEventInput } from '../../modules/audit/index.js';

/** One rejected credential, as the authentication hook saw it. */
export interface RejectedCredential {
  orgId: OrgId;
  /** The key id presented, when it belongs to `orgId` (a real key); undefined for unknown or malformed keys. */
  keyId: string | undefined;
  /** The audit reason (`authn.key_unknown`, …). */
  reason: string;
  /** Throttling key of the source (see `throttleSource`). */
  source: string;
  /** Whether the caller was answered 429 rather than 401. */
  throttled: boolean;
  requestId: string;
  clientIp: string;
  userAgent?: string;
}

/** Dependencies of the log. */
export interface RejectedCredentialLogOptions {
  /** Stores one event (the audit group commit). */
  write(event: AuditEventInput): Promise<void>;
  /** Milliseconds since the epoch. */
  now(): number;
  windowMs: number;
  /** Distinct (source, key id, reason) windows one org may have open; beyond, failures share one overflow window. */
  maxWindowsPerOrg?: number;
}

interface Window {
  orgId: OrgId;
  keyId: string | undefined;
  reasons: Set<string>;
  clientIp: string | null;
  startedAt: number;
  count: number;
  throttled: number;
  overflow: boolean;
}

/**
 * Writes rejected credentials to the audit log aggregated per org, source, key id and reason over a window, so no
 * chain can be flooded: the first failure of a window is written at once (and awaited), later ones are only
 * counted, and one summary event with `details.count` is written when the window closes. An org has at most
 * `maxWindowsPerOrg` windows open (plus one overflow window), so it gets at most 2 × (that + 1) events per window
 * whatever the number of sources. The windows live in this process: N nodes write up to N times as many.
 */
export class RejectedCredentialLog {
  private readonly windows = new Map<string, Window>();
  private readonly openPerOrg = new Map<OrgId, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly maxWindowsPerOrg: number;

  constructor(private readonly options: RejectedCredentialLogOptions) {
    this.maxWindowsPerOrg = options.maxWindowsPerOrg ?? 5;
    this.timer = setInterval(
      () => void this.closeExpired(options.now()),
      Math.max(1_000, Math.floor(options.windowMs / 4)),
    );
    this.timer.unref();
  }

  /** Records one failure; resolves once its event is stored when it is the first of its window. */
  async record(failure: RejectedCredential): Promise<void> {
    const now = this.options.now();
    await this.closeExpired(now);
    let key = `${failure.orgId}|${failure.source}|${failure.keyId ?? ''}|${failure.reason}`;
    let window = this.windows.get(key);
    if (!window && (this.openPerOrg.get(failure.orgId) ?? 0) >= this.maxWindowsPerOrg) {
      key = `${failure.orgId}|*`;
      window = this.windows.get(key);
    }
    if (window) {
      window.count += 1;
      window.reasons.add(failure.reason);
      if (failure.throttled) window.throttled += 1;
      return;
    }
    const overflow = key.endsWith('|*');
    const opened: Window = {
      orgId: failure.orgId,
      keyId: overflow ? undefined : failure.keyId,
      reasons: new Set([failure.reason]),
      clientIp: overflow ? null : failure.clientIp,
      startedAt: now,
      count: 1,
      throttled: failure.throttled ? 1 : 0,
      overflow,
    };
    this.windows.set(key, opened);
    if (!overflow) this.openPerOrg.set(failure.orgId, (this.openPerOrg.get(failure.orgId) ?? 0) + 1);
    await this.options.write({
      ...this.eventOf(opened, failure),
      requestId: failure.requestId,
      clientIp: failure.clientIp,
      ...(failure.userAgent ? { userAgent: failure.userAgent } : {}),
      details: {
        count: 1,
        first_of_window: true,
        window_seconds: this.options.windowMs / 1000,
        ...(overflow ? { sources: 'many' } : {}),
        ...(failure.throttled ? { throttled: 1 } : {}),
      },
    });
  }

  /** Writes the summaries of every open window (at shutdown, and in tests). */
  async flush(): Promise<void> {
    await this.closeExpired(Number.POSITIVE_INFINITY);
  }

  /** Stops the timer and writes every open window's summary. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async closeExpired(now: number): Promise<void> {
    const summaries: AuditEventInput[] = [];
    for (const [key, window] of this.windows) {
      if (now - window.startedAt < this.options.windowMs) continue;
      this.windows.delete(key);
      if (!window.overflow) {
        const open = (this.openPerOrg.get(window.orgId) ?? 1) - 1;
        if (open > 0) this.openPerOrg.set(window.orgId, open);
        else this.openPerOrg.delete(window.orgId);
      }
      // The first failure was written when the window opened; the summary covers the rest.
      if (window.count > 1) {
        const endedAt = Math.min(now, window.startedAt + this.options.windowMs);
        summaries.push({
          ...this.eventOf(window),
          clientIp: window.clientIp,
          details: {
            count: window.count - 1,
            summary: true,
            window_started_at: new Date(window.startedAt).toISOString(),
            window_ended_at: new Date(endedAt).toISOString(),
            throttled: window.throttled,
            ...(window.overflow ? { sources: 'many' } : {}),
          },
        });
      }
    }
    await Promise.all(summaries.map((event) => this.options.write(event).catch(() => undefined)));
  }

  private eventOf(window: Window, failure?: RejectedCredential): AuditEventInput {
    const keyId = failure?.keyId ?? window.keyId;
    return {
      orgId: window.orgId,
      actor: { type: 'anonymous', id: null },
      action: 'authn.credential.rejected',
      resource: keyId ? { type: 'ApiKey', id: keyId } : null,
      decision: 'deny',
      reasonCodes: [...window.reasons].sort(),
    };
  }
}
