import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { backendName } from '../../test/support/test-db.js';
import { createTestServer, type TestServer } from '../../test/support/test-server.js';
import { AppError } from '../lib/errors/index.js';

describe(`HTTP spine (${backendName})`, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await createTestServer({
      env: { BULWARK_BODY_LIMIT_BYTES: '2048' },
      registerRoutes: (app) => {
        const typed = app.withTypeProvider<ZodTypeProvider>();
        typed.post('/v1/echo', {
          config: { public: true, transaction: 'none' },
          schema: {
            body: z.object({ name: z.string().min(2), count: z.number().int().positive() }),
            response: { 200: z.object({ name: z.string() }) },
          },
          handler: async (request) => ({ name: request.body.name }),
        });
        typed.get('/v1/explode', { config: { public: true } }, async () => {
          throw new Error('connection string postgres://admin:hunter2@db leaked');
        });
        typed.get('/v1/denied', { config: { public: true } }, async () => {
          throw new AppError('authz.denied', { details: { reasons: ['authz.default_deny'] } });
        });
        typed.post(
          '/v1/completions',
          {
            config: { errorFormat: 'openai', public: true, transaction: 'none' },
            schema: { body: z.object({ model: z.string() }) },
          },
          async () => ({ ok: true }),
        );
      },
    });
  });
  afterAll(async () => server.close());

  it('answers liveness and readiness', async () => {
    expect((await server.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await server.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      checks: expect.arrayContaining([
        { name: 'database', ok: true },
        { name: 'migrations', ok: true },
      ]),
    });
  });

  it('renders unknown routes as problem+json with a request id', async () => {
    const res = await server.app.inject('/v1/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json();
    expect(body).toMatchObject({
      status: 404,
      code: 'http.not_found',
      type: 'urn:bulwark:error:http.not_found',
      instance: '/v1/nothing-here',
    });
    expect(body.request_id).toMatch(/^req_/);
    expect(res.headers['x-request-id']).toBe(body.request_id);
  });

  it('does not trust a client-supplied request id', async () => {
    const res = await server.app.inject({ url: '/healthz', headers: { 'x-request-id': 'evil\nforged' } });
    expect(res.headers['x-request-id']).toMatch(/^req_[0-9a-z]{26}$/);
  });

  it('names each invalid field with 400 http.bad_request', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/echo', payload: { name: 'x', count: -1 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('http.bad_request');
    expect(body.issues.map((i: { field: string }) => i.field)).toEqual(
      expect.arrayContaining(['body.name', 'body.count']),
    );
  });

  it('rejects malformed JSON, oversized bodies and unsupported media types with 4xx', async () => {
    const malformed = await server.app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "ab",',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe('http.bad_request');
    const big = await server.app.inject({
      method: 'POST',
      url: '/v1/echo',
      payload: { name: 'a'.repeat(4096), count: 1 },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('http.payload_too_large');
    const xml = await server.app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().code).toBe('http.unsupported_media_type');
  });

  it('hides the cause of unexpected failures', async () => {
    const res = await server.app.inject('/v1/explode');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'internal.error', detail: 'Internal error' });
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('at ');
  });

  it('renders catalogue errors with their status and details', async () => {
    const res = await server.app.inject('/v1/denied');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'authz.denied', reasons: ['authz.default_deny'] });
  });

  it('speaks the OpenAI error shape on OpenAI routes', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/completions', payload: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'http.bad_request', param: 'model' },
    });
    const missing = await server.app.inject('/v1/embeddings');
    expect(missing.json()).toMatchObject({ error: { type: 'not_found_error', code: 'http.not_found' } });
  });

  it('speaks OAuth errors on OAuth endpoints', async () => {
    const res = await server.app.inject('/oauth/unknown');
    expect(res.json()).toMatchObject({ error: 'invalid_request', error_code: 'http.not_found' });
  });

  it('sends security headers', async () => {
    const res = await server.app.inject('/healthz');
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('refuses a /v1 route that declares neither authz nor public', async () => {
    await expect(
      createTestServer({ registerRoutes: (app) => app.get('/v1/unguarded', async () => ({ open: true })) }),
    ).rejects.toThrow(/declares neither authz nor public/);
  });

  it('publishes OpenAPI generated from the route schemas', async () => {
    const res = await server.app.inject('/openapi.json');
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/v1/echo']));
    expect(doc.paths['/v1/echo'].post.requestBody.content['application/json'].schema.required).toEqual([
      'name',
      'count',
    ]);
  });
});
