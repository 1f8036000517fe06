import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../src/main.js';
import { PROCESSOR_WEBHOOK_PATH } from '../../src/modules/billing/index.js';
import type { twoOrgs } from '../api/api-client.js';

type Call = Awaited<ReturnType<typeof twoOrgs>>['call'];

// A relay on 127.0.0.1 that the sandbox sends its webhooks to: while open it hands each delivery to the app (as the
// processor would), while closed it answers 200 and drops it, so route walks see no webhook writes of their own.
const relays = new WeakMap<FastifyInstance, { open: boolean }>();

async function relayFor(app: FastifyInstance, runtime: Runtime): Promise<{ open: boolean }> {
  const known = relays.get(app);
  if (known) return known;
  const relay = { open: false };
  relays.set(app, relay);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!relay.open) return void res.writeHead(200).end('{}');
      const signature = req.headers['stripe-signature'];
      void app
        .inject({
          method: 'POST',
          url: PROCESSOR_WEBHOOK_PATH,
          headers: {
            'content-type': 'application/json',
            ...(typeof signature === 'string' ? { 'stripe-signature': signature } : {}),
          },
          payload: Buffer.concat(chunks),
        })
        .then((r) => res.writeHead(r.statusCode).end(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  runtime.services.billing.connectSandboxWebhooks(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return relay;
}

/** Runs `fn` with the sandbox's webhooks reaching the app, and waits until every one was delivered. */
export async function withWebhooks<T>(app: FastifyInstance, runtime: Runtime, fn: () => Promise<T>): Promise<T> {
  const relay = await relayFor(app, runtime);
  relay.open = true;
  try {
    const result = await fn();
    await runtime.services.billing.sandbox?.webhooks.settled();
    return result;
  } finally {
    relay.open = false;
  }
}

/**
 * Opens a real dispute for an org: a charge with Stripe's `pm_card_createDispute` at the sandbox processor, whose
 * `charge.dispute.created` webhook reaches the node. Returns the dispute's and the payment's ids.
 */
export async function seedDispute(
  app: FastifyInstance,
  runtime: Runtime,
  call: Call,
  org: { orgId: string; ownerKey: string },
  idempotencyKey: string,
): Promise<{ disputeId: string; paymentId: string }> {
  const base = `/v1/orgs/${org.orgId}/billing`;
  const paid = await withWebhooks(app, runtime, async () => {
    const card = await call(org.ownerKey, 'POST', `${base}/payment-methods`, { token: 'pm_card_createDispute' });
    return call(
      org.ownerKey,
      'POST',
      `${base}/payments`,
      { payment_method_id: card.json().id, amount: 1_000, currency: 'usd' },
      { 'idempotency-key': idempotencyKey },
    );
  });
  if (paid.statusCode !== 201) throw new Error(`disputed charge failed: ${paid.body}`);
  const list = await call(org.ownerKey, 'GET', `${base}/disputes`);
  const dispute = (list.json().data as { id: string; payment_id: string }[]).find(
    (d) => d.payment_id === paid.json().id,
  );
  if (!dispute) throw new Error('the dispute webhook recorded no dispute');
  return { disputeId: dispute.id, paymentId: paid.json().id as string };
}
