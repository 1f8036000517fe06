import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectFailure, snapshot } from '../support/inject-failure.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { apiClient, mailedSetupSecret, redeemSetupSecret } from './api-client.js';

// Fault: POST /v1/orgs wrote the org, the owner membership and the owner's credential in three transactions (and
// the decision in a fourth): a failure in between left an org without an owner or credential, its slug taken.
describe(`org creation is one transaction (${backendName})`, () => {
  let server: TestServer;
  let platformKey: string;
  const call = () => apiClient(server.app);
  const tables = [
    'orgs',
    'users',
    'memberships',
    'bootstrap_secrets',
    'mail_outbox',
    'idempotency_keys',
    'audit_events',
  ];

  beforeAll(async () => {
    server = await createTestServer();
    platformKey = (await redeemSetupSecret(server.app, server.runtime.bootstrap?.secret ?? '')).secret;
  });
  afterAll(async () => server.close());

  it.each([
    ['the owner membership', 'memberships', 'INSERT'],
    ["the owner's setup secret", 'bootstrap_secrets', 'INSERT'],
    ['the stored response (idempotency record)', 'idempotency_keys', 'UPDATE'],
  ] as const)(
    'a failure writing %s leaves no org, user, membership, setup secret or event behind; a retry creates it whole',
    async (_step, table, event) => {
      const slug = `acme-${table.replace('_', '-')}`;
      const body = { name: 'Acme', slug, owner_email: `owner@${slug}.example` };
      const headers = { 'idempotency-key': `create-${slug}` };
      const before = await snapshot(server.testDb, tables);
      const restore = await injectFailure(server.testDb, table, event);
      const failed = await call()(platformKey, 'POST', '/v1/orgs', body, headers);
      await restore();
      expect(failed.statusCode).toBeGreaterThanOrEqual(500);
      // Nothing half-written, not even the decision that allowed it.
      expect(await snapshot(server.testDb, tables)).toEqual(before);
      expect(
        await server.testDb.superuser('SELECT 1 FROM audit_events WHERE request_id = $1', [
          failed.headers['x-request-id'],
        ]),
      ).toHaveLength(0);

      const retried = await call()(platformKey, 'POST', '/v1/orgs', body, headers);
      expect(retried.statusCode).toBe(201);
      const created = retried.json();
      const setupSecret = await mailedSetupSecret(server.app, platformKey, body.owner_email);
      const ownerKey = (await redeemSetupSecret(server.app, setupSecret)).secret;
      expect((await call()(ownerKey, 'GET', `/v1/orgs/${created.org.id}`)).statusCode).toBe(200);
      const members = await call()(ownerKey, 'GET', `/v1/orgs/${created.org.id}/members`);
      expect(members.json().data.map((m: { email: string; roles: string[] }) => [m.email, m.roles])).toEqual([
        [body.owner_email, ['owner']],
      ]);
      const replay = await call()(platformKey, 'POST', '/v1/orgs', body, headers);
      expect(replay.statusCode).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json().org.id).toBe(created.org.id);
    },
  );
});
