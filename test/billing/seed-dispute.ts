import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../src/main.js';
import type { twoOrgs } from '../api/api-client.js';

type Call = Awaited<ReturnType<typeof twoOrgs>>['call'];

const connected = new WeakSet<FastifyInstance>();

/**
 * Opens a real dispute for an org: a charge with Stripe's `pm_card_createDispute` at the sandbox processor, whose
 * `charge.dispute.created` webhook reaches the node (which starts listening on 127.0.0.1 for it). Returns the
 * dispute's and the payment's ids.
 */
export async function seedDispute(
  app: FastifyInstance,
  runtime: Runtime,
  call: Call,
  org: { orgId: string; ownerKey: string },
  idempotencyKey: string,
): Promise<{ disputeId: string; paymentId: string }> {
  if (!connected.has(app)) {
    runtime.services.billing.connectSandboxWebhooks(await app.listen({ host: '127.0.0.1', port: 0 }));
    connected.add(app);
  }
  const base = `/v1/orgs/${org.orgId}/billing`;
  const card = await call(org.ownerKey, 'POST', `${base}/payment-methods`, { token: 'pm_card_createDispute' });
  const paid = await call(
    org.ownerKey,
    'POST',
    `${base}/payments`,
    { payment_method_id: card.json().id, amount: 1_000, currency: 'usd' },
    { 'idempotency-key': idempotencyKey },
  );
  if (paid.statusCode !== 201) throw new Error(`disputed charge failed: ${paid.body}`);
  await runtime.services.billing.sandbox?.webhooks.settled();
  const list = await call(org.ownerKey, 'GET', `${base}/disputes`);
  const dispute = (list.json().data as { id: string; payment_id: string }[]).find(
    (d) => d.payment_id === paid.json().id,
  );
  if (!dispute) throw new Error('the dispute webhook recorded no dispute');
  return { disputeId: dispute.id, paymentId: paid.json().id as string };
}
