import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { isId } from '../../lib/ids.js';
import type { CommitNotice, PushedCommits } from './db.js';

const GENERATION_CHANNEL = 'bulwark_org_generation';
const RECONNECT_DELAY_MS = 1_000;

/** Settings of a commit feed. */
export interface CommitFeedOptions {
  /** How old the newest heartbeat heard back may be for the feed to count as fresh (ms). */
  readonly boundMs: number;
  /** Called with each org-generation change the database pushes. */
  readonly tell: (notice: CommitNotice) => void;
  /** Monotonic milliseconds; tests may drive it. */
  readonly now?: () => number;
  /**
   * Called when a subscription is lost or an attempt to subscribe fails, with the consecutive failed attempts (0 for
   * the loss of a working one); the feed goes on trying every second and reads stand in meanwhile.
   */
  readonly onTrouble?: (error: unknown, failedAttempts: number) => void;
}

interface Subscription {
  readonly id: number;
  readonly client: pg.Client;
  readonly heartbeatChannel: string;
  /** Heartbeats sent and not yet heard back: payload -> when it was sent. */
  readonly pending: Map<string, number>;
  /** Send time of the newest heartbeat heard back on this subscription. */
  heardUpTo: number;
}

/**
 * Org-generation changes of every writer of a PostgreSQL database, pushed to this node over one dedicated connection
 * (LISTEN/NOTIFY, migration 0030), with heartbeats that say how current the feed is.
 * INVARIANT: PostgreSQL delivers notifications of different transactions in the order they committed, on every channel
 * of a session. So once a heartbeat this node sent at time T comes back, every change committed before T has been
 * told; `isFresh` is true only while that T is at most `boundMs` old.
 */
export class PostgresCommitFeed implements PushedCommits {
  readonly boundMs: number;
  readonly #connectionString: string;
  readonly #tell: (notice: CommitNotice) => void;
  readonly #now: () => number;
  readonly #onTrouble: (error: unknown, failedAttempts: number) => void;
  readonly #heartbeat: NodeJS.Timeout;
  #failedAttempts = 0;
  #current: Subscription | undefined;
  #subscriptions = 0;
  #closed = false;
  #reconnect: NodeJS.Timeout | undefined;

  private constructor(connectionString: string, options: CommitFeedOptions) {
    this.boundMs = options.boundMs;
    this.#connectionString = connectionString;
    this.#tell = options.tell;
    this.#now = options.now ?? (() => performance.now());
    this.#onTrouble = options.onTrouble ?? (() => undefined);
    // A fifth of the bound, so a heartbeat or two may be slow before the feed stops counting as fresh.
    this.#heartbeat = setInterval(() => this.#sendHeartbeat(), Math.max(5, Math.floor(this.boundMs / 5)));
    this.#heartbeat.unref();
  }

  /** Starts listening; resolves once the first subscription is up or has failed (reads then stand in until it is). */
  static async start(connectionString: string, options: CommitFeedOptions): Promise<PostgresCommitFeed> {
    const feed = new PostgresCommitFeed(connectionString, options);
    await feed.#subscribe();
    return feed;
  }

  get subscription(): number | undefined {
    return this.#current?.id;
  }

  get failedAttempts(): number {
    return this.#failedAttempts;
  }

  isFresh(): boolean {
    const current = this.#current;
    return current !== undefined && this.#now() - current.heardUpTo <= this.boundMs;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#reconnect);
    const current = this.#current;
    this.#current = undefined;
    await current?.client.end().catch(() => undefined);
  }

  async #subscribe(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#connectionString, application_name: 'bulwark-feed' });
    const heartbeatChannel = `bulwark_heartbeat_${randomBytes(12).toString('hex')}`;
    const subscription: Subscription = {
      id: ++this.#subscriptions,
      client,
      heartbeatChannel,
      pending: new Map(),
      heardUpTo: Number.NEGATIVE_INFINITY,
    };
    const lost = (error?: unknown) => this.#lose(subscription, error ?? new Error('the feed connection ended'));
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => this.#heard(subscription, message));
    try {
      await client.connect();
      await client.query(`LISTEN ${GENERATION_CHANNEL}; LISTEN ${heartbeatChannel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.#failedAttempts += 1;
      if (!this.#closed) this.#onTrouble(error, this.#failedAttempts);
      lost(error);
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#failedAttempts = 0;
    this.#current = subscription;
    this.#sendHeartbeat();
  }

  #lose(subscription: Subscription, error: unknown): void {
    // Changes committed while no one listens are never told: everything known under this subscription is void.
    if (this.#current === subscription) {
      this.#current = undefined;
      if (!this.#closed) this.#onTrouble(error, 0);
    }
    if (this.#closed || this.#reconnect !== undefined || this.#current !== undefined) return;
    this.#reconnect = setTimeout(() => {
      this.#reconnect = undefined;
      void this.#subscribe();
    }, RECONNECT_DELAY_MS);
    this.#reconnect.unref();
  }

  #sendHeartbeat(): void {
    const current = this.#current;
    // One heartbeat in flight at a time: a slow database lets the feed go stale rather than queue beats.
    if (current === undefined || current.pending.size > 0) return;
    // SECURITY: the payload is unguessable and the channel is this node's own, so no other session can forge a
    // heartbeat that would make a stale feed look fresh.
    const payload = randomBytes(16).toString('hex');
    current.pending.set(payload, this.#now());
    current.client
      .query('SELECT pg_notify($1, $2)', [current.heartbeatChannel, payload])
      // A beat that failed never comes back; the next one may.
      .catch(() => current.pending.delete(payload));
  }

  #heard(subscription: Subscription, message: pg.Notification): void {
    if (message.channel === subscription.heartbeatChannel) {
      const sentAt = subscription.pending.get(message.payload ?? '');
      if (sentAt === undefined) return;
      subscription.pending.delete(message.payload ?? '');
      subscription.heardUpTo = Math.max(subscription.heardUpTo, sentAt);
      return;
    }
    if (message.channel !== GENERATION_CHANNEL || subscription !== this.#current) return;
    const notice = parseGenerationNotice(message.payload);
    if (notice) this.#tell(notice);
  }
}

/** `<org_id> <generation>` as migration 0030's trigger writes it; anything else is ignored. */
function parseGenerationNotice(payload: string | undefined): CommitNotice | undefined {
  const [orgId, generation, ...rest] = (payload ?? '').split(' ');
  if (!isId('org', orgId) || !generation || !/^\d{1,15}$/.test(generation) || rest.length > 0) return undefined;
  return { kind: 'org_generation', orgId, generation: Number(generation), pushed: true };
}
