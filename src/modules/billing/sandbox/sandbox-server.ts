import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import qs from 'qs';
import type { Clock } from '../../../lib/clock.js';
import {
  currency,
  flag,
  onlyKnown,
  optionalString,
  positiveInteger,
  requiredString,
  stringMap,
  type Params,
} from './form-params.js';
import { authenticationPage, tokenizationPage } from './hosted-pages.js';
import { SandboxLedger } from './sandbox-ledger.js';
import { SandboxMeterEvents, type RecordedMeterEvent } from './sandbox-meter-events.js';
import { SandboxWebhooks, type WebhookEndpoint } from './sandbox-webhooks.js';
import { invalidRequest, StripeFailure } from './stripe-failure.js';
import { testCardByNumber } from './test-cards.js';

/** How a sandbox processor is started. */
export interface SandboxProcessorOptions {
  /** The secret API key (`sk_test_…`) clients must present. */
  secretKey: string;
  clock: Clock;
  /** Endpoints that receive the sandbox's signed webhook events. */
  webhooks?: WebhookEndpoint[];
  host?: string;
  port?: number;
}

/** A running sandbox processor. */
export interface SandboxProcessor {
  /** `http://host:port` of the API and of the hosted pages. */
  url: string;
  host: string;
  port: number;
  webhooks: SandboxWebhooks;
  /** The billing meter events recorded so far (what a Stripe dashboard would show), oldest first. */
  meterEvents(): readonly RecordedMeterEvent[];
  close(): Promise<void>;
}

/** The Stripe API version the sandbox speaks, as its events report it. */
export const SANDBOX_API_VERSION = '2026-10-28.endive';

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

interface StoredResponse {
  fingerprint: string;
  status: number;
  body: unknown;
}

const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy_disclosure',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'product_description',
  'refund_policy_disclosure',
  'service_date',
  'service_documentation',
  'uncategorized_text',
] as const;

function evidenceOf(params: Params): Record<string, string> | undefined {
  const value = params.evidence;
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidRequest('Invalid object: evidence', 'evidence');
  onlyKnown(value as Params, EVIDENCE_FIELDS);
  const out: Record<string, string> = {};
  let total = 0;
  for (const field of EVIDENCE_FIELDS) {
    const text = optionalString(value as Params, field, 20_000);
    if (text === undefined) continue;
    total += text.length;
    out[field] = text;
  }
  if (total > 150_000) throw invalidRequest('The evidence text may total at most 150,000 characters.', 'evidence');
  return out;
}

function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  return basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] : undefined;
}

/**
 * Starts the Stripe-compatible sandbox processor: the subset of Stripe's REST API that Bulwark's Stripe adapter uses
 * (customers, payment methods, setup and payment intents, refunds, disputes, events), stateful in memory, with
 * Stripe's idempotency semantics and error bodies, hosted pages for card tokenization and 3D Secure, and signed
 * webhooks. The official `stripe` SDK is pointed at it with `host`, `port` and `protocol: 'http'`.
 */
export async function startSandboxProcessor(options: SandboxProcessorOptions): Promise<SandboxProcessor> {
  let publicUrl = '';
  const webhooks = new SandboxWebhooks({ clock: options.clock, apiVersion: SANDBOX_API_VERSION });
  for (const endpoint of options.webhooks ?? []) webhooks.addEndpoint(endpoint);
  let context: RequestContext = { id: '', idempotencyKey: null };
  const ledger = new SandboxLedger({
    clock: options.clock,
    get publicUrl() {
      return publicUrl;
    },
    emit: (event) => webhooks.publish(event, context),
  });
  const meters = new SandboxMeterEvents({
    clock: options.clock,
    customerExists: (id) => {
      try {
        ledger.retrieveCustomer(id);
        return true;
      } catch {
        return false;
      }
    },
  });
  const app = buildSandboxApp(options, ledger, meters, webhooks, (next) => {
    context = next;
  });
  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  publicUrl = address;
  const url = new URL(address);
  return {
    url: address,
    host: url.hostname,
    port: Number(url.port),
    webhooks,
    meterEvents: () => meters.list(),
    close: async () => {
      await app.close();
      await webhooks.settled();
    },
  };
}

interface RequestContext {
  id: string;
  idempotencyKey: string | null;
}

function buildSandboxApp(
  options: SandboxProcessorOptions,
  ledger: SandboxLedger,
  meters: SandboxMeterEvents,
  webhooks: SandboxWebhooks,
  setContext: (context: RequestContext) => void,
): FastifyInstance {
  // SECURITY: no request logging: the tokenization page receives card numbers (test numbers, but still).
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
  const parse = (body: string) =>
    qs.parse(body, { depth: 4, arrayLimit: 50, parameterLimit: 500, allowPrototypes: false }) as Params;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parse(String(body)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  const idempotency = new LRUCache<string, StoredResponse>({ max: 50_000, ttl: IDEMPOTENCY_TTL_MS });

  app.setErrorHandler(async (error, _request, reply) => {
    if (error instanceof StripeFailure) return reply.code(error.status).send({ error: error.body });
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500)
      return reply.code(400).send({ error: { type: 'invalid_request_error', message: 'Invalid request body.' } });
    return reply.code(500).send({ error: { type: 'api_error', message: 'An unexpected error occurred.' } });
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('request-id', `req_${randomBytes(10).toString('hex')}`);
    if (!request.url.startsWith('/v1/')) return;
    const presented = presentedKey(request);
    if (presented === undefined || !sameSecret(presented, options.secretKey))
      throw new StripeFailure(401, {
        type: 'authentication_error',
        message: presented === undefined ? 'You did not provide an API key.' : 'Invalid API Key provided.',
      });
  });

  // Stripe's idempotency: the first response to a key is stored and replayed for 24 h; the same key with other
  // parameters (or on another endpoint) is an `idempotency_error`. Handlers run synchronously, so two requests with
  // one key cannot both run the effect.
  // The ledger runs synchronously, so the events it emits belong to the request whose context was set just before.
  const run = <T>(request: FastifyRequest, reply: FastifyReply, effect: () => T): T => {
    const key = request.headers['idempotency-key'];
    setContext({ id: String(reply.getHeader('request-id')), idempotencyKey: typeof key === 'string' ? key : null });
    return effect();
  };
  const post = (url: string, handler: (params: Params, request: FastifyRequest) => unknown) =>
    app.post(url, async (request: FastifyRequest, reply: FastifyReply) => {
      const params = (request.body ?? {}) as Params;
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string') return run(request, reply, () => handler(params, request));
      if (key.length > 255) throw invalidRequest('Idempotency keys may be at most 255 characters.', 'idempotency_key');
      const fingerprint = JSON.stringify([request.routeOptions.url, request.params, params]);
      const stored = idempotency.get(key);
      if (stored) {
        if (stored.fingerprint !== fingerprint)
          throw new StripeFailure(400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key.slice(0, 64)}' if you meant to execute a different request.`,
          });
        reply.header('idempotent-replayed', 'true');
        return reply.code(stored.status).send(stored.body);
      }
      try {
        const body = run(request, reply, () => handler(params, request));
        idempotency.set(key, { fingerprint, status: 200, body });
        return body;
      } catch (error) {
        // Stripe stores a request's result whatever it was, declines included; only its own 500s are retryable.
        if (error instanceof StripeFailure)
          idempotency.set(key, { fingerprint, status: error.status, body: { error: error.body } });
        throw error;
      }
    });
  const get = (url: string, handler: (id: string) => unknown) =>
    app.get(url, async (request: FastifyRequest) => handler((request.params as { id: string }).id));

  post('/v1/customers', (p) => {
    onlyKnown(p, ['email', 'name', 'metadata', 'description']);
    const email = optionalString(p, 'email', 512);
    const name = optionalString(p, 'name', 256);
    const metadata = stringMap(p, 'metadata');
    return ledger.createCustomer({
      ...(email !== undefined ? { email } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(metadata ? { metadata } : {}),
    });
  });
  get('/v1/customers/:id', (id) => ledger.retrieveCustomer(id));

  get('/v1/payment_methods/:id', (id) => ledger.retrievePaymentMethod(id));
  post('/v1/payment_methods/:id/attach', (p, r) => {
    onlyKnown(p, ['customer']);
    return ledger.attachPaymentMethod((r.params as { id: string }).id, requiredString(p, 'customer', 255));
  });
  post('/v1/payment_methods/:id/detach', (p, r) => {
    onlyKnown(p, []);
    return ledger.detachPaymentMethod((r.params as { id: string }).id);
  });

  post('/v1/setup_intents', (p) => {
    onlyKnown(p, ['customer', 'payment_method', 'confirm', 'usage', 'metadata', 'payment_method_types', 'return_url']);
    const usage = optionalString(p, 'usage', 20);
    if (usage !== undefined && usage !== 'off_session' && usage !== 'on_session')
      throw invalidRequest('Invalid usage: must be one of off_session, on_session', 'usage');
    const customer = optionalString(p, 'customer', 255);
    const paymentMethod = optionalString(p, 'payment_method', 255);
    const metadata = stringMap(p, 'metadata');
    return ledger.createSetupIntent({
      confirm: flag(p, 'confirm'),
      ...(customer !== undefined ? { customer } : {}),
      ...(paymentMethod !== undefined ? { paymentMethod } : {}),
      ...(usage !== undefined ? { usage } : {}),
      ...(metadata ? { metadata } : {}),
    });
  });
  get('/v1/setup_intents/:id', (id) => ledger.retrieveSetupIntent(id));
  post('/v1/setup_intents/:id/confirm', (p, r) => {
    onlyKnown(p, ['payment_method', 'return_url']);
    const paymentMethod = optionalString(p, 'payment_method', 255);
    return ledger.confirmSetupIntent(
      (r.params as { id: string }).id,
      paymentMethod !== undefined ? { paymentMethod } : {},
    );
  });

  post('/v1/billing/meter_events', (p) => {
    onlyKnown(p, ['event_name', 'payload', 'identifier', 'timestamp']);
    const payload = stringMap(p, 'payload') ?? {};
    const customer = payload.stripe_customer_id;
    const value = payload.value;
    if (customer === undefined) throw invalidRequest('Missing required param: payload[stripe_customer_id].', 'payload');
    if (value === undefined) throw invalidRequest('Missing required param: payload[value].', 'payload');
    const stamp = optionalString(p, 'timestamp', 12);
    if (stamp !== undefined && !/^[1-9][0-9]{0,11}$/.test(stamp))
      throw invalidRequest('Invalid integer: timestamp', 'timestamp');
    const timestamp = stamp === undefined ? undefined : Number(stamp);
    return meters.create({
      eventName: requiredString(p, 'event_name', 100),
      customer,
      value,
      identifier: optionalString(p, 'identifier', 100) ?? `mev_${randomBytes(12).toString('hex')}`,
      ...(timestamp !== undefined ? { timestamp } : {}),
    });
  });

  post('/v1/payment_intents', (p) => {
    onlyKnown(p, [
      'amount',
      'currency',
      'customer',
      'payment_method',
      'confirm',
      'off_session',
      'metadata',
      'description',
      'payment_method_types',
      'return_url',
    ]);
    const customer = optionalString(p, 'customer', 255);
    const paymentMethod = optionalString(p, 'payment_method', 255);
    const metadata = stringMap(p, 'metadata');
    const description = optionalString(p, 'description', 1_000);
    return ledger.createPaymentIntent({
      amount: positiveInteger(p, 'amount', true),
      currency: currency(p),
      confirm: flag(p, 'confirm'),
      offSession: flag(p, 'off_session'),
      ...(customer !== undefined ? { customer } : {}),
      ...(paymentMethod !== undefined ? { paymentMethod } : {}),
      ...(metadata ? { metadata } : {}),
      ...(description !== undefined ? { description } : {}),
    });
  });
  get('/v1/payment_intents/:id', (id) => ledger.retrievePaymentIntent(id));
  post('/v1/payment_intents/:id/confirm', (p, r) => {
    onlyKnown(p, ['payment_method', 'off_session', 'return_url']);
    const paymentMethod = optionalString(p, 'payment_method', 255);
    return ledger.confirmPaymentIntent((r.params as { id: string }).id, {
      ...(paymentMethod !== undefined ? { paymentMethod } : {}),
      ...(p.off_session !== undefined ? { offSession: flag(p, 'off_session') } : {}),
    });
  });
  post('/v1/payment_intents/:id/cancel', (p, r) => {
    onlyKnown(p, ['cancellation_reason']);
    return ledger.cancelPaymentIntent((r.params as { id: string }).id);
  });

  get('/v1/charges/:id', (id) => ledger.retrieveCharge(id));
  post('/v1/refunds', (p) => {
    onlyKnown(p, ['payment_intent', 'charge', 'amount', 'metadata', 'reason']);
    const paymentIntent = optionalString(p, 'payment_intent', 255);
    const charge = optionalString(p, 'charge', 255);
    const amount = positiveInteger(p, 'amount', false);
    const metadata = stringMap(p, 'metadata');
    return ledger.createRefund({
      ...(paymentIntent !== undefined ? { paymentIntent } : {}),
      ...(charge !== undefined ? { charge } : {}),
      ...(amount !== undefined ? { amount } : {}),
      ...(metadata ? { metadata } : {}),
    });
  });
  get('/v1/refunds/:id', (id) => ledger.retrieveRefund(id));

  get('/v1/disputes/:id', (id) => ledger.retrieveDispute(id));
  post('/v1/disputes/:id', (p, r) => {
    onlyKnown(p, ['evidence', 'submit', 'metadata']);
    const evidence = evidenceOf(p);
    const metadata = stringMap(p, 'metadata');
    return ledger.updateDispute((r.params as { id: string }).id, {
      submit: flag(p, 'submit'),
      ...(evidence ? { evidence } : {}),
      ...(metadata ? { metadata } : {}),
    });
  });
  post('/v1/disputes/:id/close', (p, r) => {
    onlyKnown(p, []);
    return ledger.acceptDispute((r.params as { id: string }).id);
  });

  get('/v1/events/:id', (id) => {
    const event = webhooks.find(id);
    if (!event) throw invalidRequest(`No such event: '${id.slice(0, 64)}'`, 'id', 'resource_missing');
    return event;
  });

  // Hosted pages: the card number is typed here, on the processor's page, never into Bulwark.
  app.get('/sandbox/tokenize', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(tokenizationPage()),
  );
  app.post('/sandbox/tokenize', async (request, reply) => {
    const params = (request.body ?? {}) as Params;
    const digits = (optionalString(params, 'number', 32) ?? '').replace(/[\s-]/g, '');
    const card = testCardByNumber(digits);
    // SECURITY: only Stripe's documented test numbers are accepted; the sandbox never takes a real card.
    if (!card)
      throw invalidRequest('Use one of the documented test card numbers in the sandbox.', 'number', 'invalid_number');
    return run(request, reply, () => ledger.tokenizeCard(card));
  });
  app.get('/sandbox/authenticate/:id', async (request, reply) =>
    reply.type('text/html; charset=utf-8').send(authenticationPage((request.params as { id: string }).id)),
  );
  app.post('/sandbox/authenticate/:id', async (request, reply) => {
    const params = (request.body ?? {}) as Params;
    const result = requiredString(params, 'result', 10);
    if (result !== 'approve' && result !== 'fail') throw invalidRequest('result must be approve or fail', 'result');
    return run(request, reply, () => ledger.authenticate((request.params as { id: string }).id, result === 'approve'));
  });
  return app;
}
