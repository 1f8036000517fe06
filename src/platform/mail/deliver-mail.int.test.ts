import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backendName, createTestDb, type TestDb } from '../../../test/support/test-db.js';
import { deliverDueMail, type MailDeliverySettings } from './deliver-mail.js';
import { devOutboxTransport } from './dev-outbox-transport.js';
import type { MailTransport, OutgoingMail } from './mail-transport.js';
import { listOutbox, queueMail, type NewMail } from './outbox-repo.js';
import { smtpTransport } from './smtp-transport.js';

const settings: MailDeliverySettings = {
  batchSize: 10,
  leaseMs: 60_000,
  retryBaseMs: 1_000,
  retryCapMs: 10_000,
  keepMs: 8 * 24 * 60 * 60 * 1000,
};
const T0 = new Date('2026-06-01T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const mail = (to: string, text = `Your link: https://bulwark.test/invitations/${'A'.repeat(43)}`): NewMail => ({
  purpose: 'invitation',
  to,
  subject: 'You are invited',
  text,
});

// A transport of the port that records what it was handed, as an SMTP relay would (kind smtp: bodies are cleared).
function recordingSmtp(): MailTransport & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  return { kind: 'smtp', sent, send: async (m) => void sent.push(m), close: async () => undefined };
}

describe(`mail outbox delivery (${backendName})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => t.close());
  beforeEach(async () => {
    await t.superuser('DELETE FROM mail_outbox');
  });

  const queue = (m: NewMail, now = T0) => t.db.withPlatform((sql) => queueMail(sql, m, now));
  const row = async (id: string) => (await t.superuser('SELECT * FROM mail_outbox WHERE id = $1', [id]))[0];

  it('the development outbox marks messages readable and keeps their bodies, newest first, per recipient', async () => {
    const first = await queue(mail('Ann@example.com', 'first'), T0);
    const second = await queue(mail('ann@example.com', 'second'), at(1_000));
    await queue(mail('bob@example.com'), at(2_000));
    expect(await t.db.withPlatform((sql) => listOutbox(sql, { limit: 10 }))).toHaveLength(0);
    const pass = await deliverDueMail({ db: t.db, transport: devOutboxTransport(), settings }, at(5_000));
    expect(pass).toMatchObject({ delivered: 3, retried: 0, dead: 0 });
    const ann = await t.db.withPlatform((sql) => listOutbox(sql, { to: 'ANN@example.com', limit: 10 }));
    expect(ann.map((m) => [m.id, m.text])).toEqual([
      [second, 'second'],
      [first, 'first'],
    ]);
    expect(await t.db.withPlatform((sql) => listOutbox(sql, { limit: 1 }))).toHaveLength(1);
    expect(await row(first)).toMatchObject({ status: 'readable', transport: 'outbox', attempts: 1 });
  });

  it('an SMTP delivery hands the message over once and clears its body (the link lives only in the mailbox)', async () => {
    const id = await queue(mail('carol@example.com'));
    const smtp = recordingSmtp();
    await deliverDueMail({ db: t.db, transport: smtp, settings }, at(1));
    expect(smtp.sent).toEqual([{ to: 'carol@example.com', subject: 'You are invited', text: mail('x').text }]);
    expect(await row(id)).toMatchObject({ status: 'sent', transport: 'smtp', body: null });
    await deliverDueMail({ db: t.db, transport: smtp, settings }, at(120_000));
    expect(smtp.sent).toHaveLength(1);
    expect(await t.db.withPlatform((sql) => listOutbox(sql, { limit: 10 }))).toHaveLength(0);
  });

  it('a refused SMTP connection is retried with backoff, then the message is dead and its body cleared', async () => {
    const id = await queue(mail('dave@example.com'));
    await t.superuser('UPDATE mail_outbox SET max_attempts = 2 WHERE id = $1', [id]);
    // nodemailer itself, against a port nothing listens on.
    const smtp = smtpTransport({
      url: 'smtp://127.0.0.1:1',
      from: 'Bulwark <no-reply@bulwark.test>',
      timeoutMs: 2_000,
    });
    const errors: unknown[] = [];
    const deps = { db: t.db, transport: smtp, settings, onError: (e: unknown) => errors.push(e) };
    expect(await deliverDueMail(deps, at(1))).toMatchObject({ delivered: 0, retried: 1 });
    const retried = await row(id);
    expect(retried).toMatchObject({ status: 'queued', attempts: 1 });
    expect(String(retried?.last_error)).toMatch(/ECONNREFUSED|connect/i);
    const nextAt = new Date(retried?.next_attempt_at as string).getTime();
    expect(nextAt).toBeGreaterThan(at(1).getTime());
    // Not due yet: not tried again.
    expect(await deliverDueMail(deps, at(2))).toMatchObject({ retried: 0, dead: 0 });
    expect(await deliverDueMail(deps, new Date(nextAt))).toMatchObject({ dead: 1 });
    expect(await row(id)).toMatchObject({ status: 'dead', body: null, attempts: 2 });
    expect(errors).toHaveLength(2);
    await smtp.close();
  });

  it('two sweeps at once deliver each message once', async () => {
    for (let i = 0; i < 6; i += 1) await queue(mail(`many-${i}@example.com`));
    const smtp = recordingSmtp();
    const passes = await Promise.all([
      deliverDueMail({ db: t.db, transport: smtp, settings }, at(1)),
      deliverDueMail({ db: t.db, transport: smtp, settings }, at(1)),
    ]);
    expect(passes.reduce((n, p) => n + p.delivered, 0)).toBe(6);
    expect(new Set(smtp.sent.map((m) => m.to)).size).toBe(6);
    expect(smtp.sent).toHaveLength(6);
  });

  it('purges delivered messages once their links have long expired', async () => {
    const old = await queue(mail('old@example.com'), T0);
    await deliverDueMail({ db: t.db, transport: devOutboxTransport(), settings }, at(1));
    const fresh = await queue(mail('fresh@example.com'), at(settings.keepMs));
    const pass = await deliverDueMail({ db: t.db, transport: devOutboxTransport(), settings }, at(settings.keepMs + 1));
    expect(pass.purged).toBe(1);
    expect(await row(old)).toBeUndefined();
    expect(await row(fresh)).toMatchObject({ status: 'readable' });
  });
});
