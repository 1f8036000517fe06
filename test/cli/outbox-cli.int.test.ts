import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { backendName } from '../support/test-db.js';
import { cliHarness } from './cli-harness.js';

// Recent: the outbox purges delivered messages after 8 days.
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
const LINK = `http://127.0.0.1:8080/invitations/${'B'.repeat(43)}`;

describe(`bulwark outbox (${backendName})`, () => {
  const { open, close, cli, superuser } = cliHarness('outbox');

  // Queues messages as a serving node's queueMail would, as the owner (the serving login needs the vault's signed
  // platform context, which only a node or the CLI holds); the CLI, not a sweep, then makes them readable.
  async function queue(messages: { to: string; text: string; at: string }[]): Promise<void> {
    const insert = `INSERT INTO mail_outbox (id, purpose, recipient, subject, body, next_attempt_at, created_at)
                    VALUES ($1, 'invitation', $2, 'You are invited', $3, $4, $4)`;
    for (const m of messages) await superuser(insert, [newId('msg', Date.parse(m.at)), m.to, m.text, m.at]);
  }

  beforeAll(open);
  afterAll(close);

  it("lists the development outbox's messages newest first, filtered by recipient and limited", async () => {
    expect((await cli(['migrate'])).code).toBe(0);
    const empty = await cli(['outbox']);
    expect(empty).toMatchObject({ code: 0, stdout: '' });
    expect(empty.stderr).toContain('the development outbox is empty');
    await queue([
      { to: 'ann@example.com', text: `first ${LINK}`, at: minutesAgo(3) },
      { to: 'bob@example.com', text: 'for bob', at: minutesAgo(2) },
      { to: 'Ann@Example.com', text: 'second', at: minutesAgo(1) },
    ]);

    const all = await cli(['outbox', '--json']);
    expect(all.code).toBe(0);
    const lines = all.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { to: string; text: string });
    expect(lines.map((m) => m.text)).toEqual(['second', 'for bob', `first ${LINK}`]);

    const ann = await cli(['outbox', '--to', 'ann@example.com', '--limit', '1']);
    expect(ann.code).toBe(0);
    expect(ann.stdout).toMatch(/^msg_[0-9a-z]{26} {2}\S+Z {2}invitation {2}to Ann@Example\.com\n/);
    expect(ann.stdout).toContain('Subject: You are invited');
    expect(ann.stdout).not.toContain('first');

    const bad = await cli(['outbox', '--limit', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--limit: 1 to 500');
  }, 300_000);
});
