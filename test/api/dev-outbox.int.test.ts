import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

describe(`the development outbox over the API, for a running embedded node (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  });
  afterAll(async () => server.close());

  it("shows a platform owner the new org owner's e-mails (setup secret, invitation link), newest first, filtered by recipient", async () => {
    const listed = await ctx.call(ctx.platformKey, 'GET', '/v1/dev/outbox?to=owner@org-a.example&limit=5');
    expect(listed.statusCode).toBe(200);
    const messages = listed.json().data as { purpose: string; to: string; text: string }[];
    // Newest first: the setup secret's e-mail was queued after the password invitation.
    expect(messages.map((m) => m.purpose)).toEqual(['owner_setup', 'invitation']);
    const invitation = messages[1];
    expect(invitation).toMatchObject({ purpose: 'invitation', to: 'owner@org-a.example' });
    expect(invitation?.text).toMatch(/\/invitations\/[A-Za-z0-9_-]{43}/);
  });

  it('refuses an org owner (the links set passwords of other orgs) and anyone unauthenticated', async () => {
    expect((await ctx.call(ctx.a.ownerKey, 'GET', '/v1/dev/outbox')).statusCode).toBe(403);
    expect((await ctx.call(undefined, 'GET', '/v1/dev/outbox')).statusCode).toBe(401);
  });
});
