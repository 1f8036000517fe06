import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createDocumentBodySchema,
  documentSchema,
  documentWithTextSchema,
  searchBodySchema,
  searchResultSchema,
  toDocumentWire,
  toSearchWire,
  type DocumentId,
} from '../../modules/gateway/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf, type RouteAuthz } from '../auth/route-auth.js';
import { inTenantTransaction } from '../auth/route-transaction.js';
import { gatewayCall } from './gateway-routes.js';
import { afterCursor, idParam, pageQuery, pageSchema } from './route-helpers.js';

// The route-level decision is on the caller's own org (may this principal read or write documents at all); the use
// case then decides each document with its region and project.
const onOwnOrg = (action: RouteAuthz['action']): RouteAuthz => ({
  action,
  resource: (request) => {
    const orgId = principalOf(request).orgId;
    return { type: 'Org', id: orgId, orgId };
  },
});

// Upload and search embed text through the gateway's embedding path: metered and guarded like /v1/embeddings.
const embeds = { metered: true as const, guarded: true as const };
const params = z.object({ document_id: idParam('doc', 'a document') });

/**
 * `/v1/retrieval/*`: the caller's org's documents (upload, list, show, delete) and their search. Everything is scoped
 * to the caller's org by row-level security; ids of other orgs are not found.
 */
export function registerRetrievalRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['retrieval'];
  const security = [{ bearer: [] }];
  const errorFormat = 'openai' as const;

  r.post('/v1/retrieval/documents', {
    config: { authz: onOwnOrg('write:documents'), transaction: 'tenant', gateway: embeds, errorFormat },
    schema: {
      summary: 'Upload a document: chunked and embedded with the org embedding model (guarded and metered)',
      tags,
      security,
      body: createDocumentBodySchema,
      response: { 201: documentSchema },
    },
    handler: async (request, reply) => {
      const { text, title, attributes, metadata, model } = request.body;
      const document = await services.retrieval.ingest(
        gatewayCall(request, reply),
        {
          text,
          ...(title !== undefined ? { title } : {}),
          ...(attributes !== undefined ? { attributes } : {}),
          ...(metadata !== undefined ? { metadata } : {}),
          ...(model !== undefined ? { model } : {}),
        },
        (fn) => inTenantTransaction(request, fn),
      );
      return reply.code(201).send(toDocumentWire(document));
    },
  });

  r.get('/v1/retrieval/documents', {
    config: { authz: onOwnOrg('read:documents'), errorFormat },
    schema: {
      summary: 'List the documents the caller may read (cursor pagination)',
      tags,
      security,
      querystring: pageQuery,
      response: { 200: pageSchema(documentSchema) },
    },
    handler: async (request, reply) => {
      const { limit, cursor } = request.query;
      const after = afterCursor(cursor);
      const page = await services.retrieval.list(gatewayCall(request, reply), {
        limit,
        ...(after ? { afterId: after } : {}),
      });
      return {
        data: page.documents.map(toDocumentWire),
        next_cursor: page.nextAfter === null ? null : Buffer.from(page.nextAfter).toString('base64url'),
      };
    },
  });

  r.get('/v1/retrieval/documents/:document_id', {
    config: { authz: onOwnOrg('read:documents'), errorFormat },
    schema: {
      summary: 'Show a document with its text',
      tags,
      security,
      params,
      response: { 200: documentWithTextSchema },
    },
    handler: async (request, reply) => {
      const document = await services.retrieval.get(
        gatewayCall(request, reply),
        request.params.document_id as DocumentId,
      );
      return { ...toDocumentWire(document), text: document.text };
    },
  });

  r.delete('/v1/retrieval/documents/:document_id', {
    config: { authz: onOwnOrg('write:documents'), transaction: 'tenant', errorFormat },
    schema: { summary: 'Delete a document and its chunks', tags, security, params },
    handler: async (request, reply) => {
      await services.retrieval.remove(gatewayCall(request, reply), request.params.document_id as DocumentId, (fn) =>
        inTenantTransaction(request, fn),
      );
      return reply.code(204).send();
    },
  });

  r.post('/v1/retrieval/search', {
    config: { authz: onOwnOrg('read:documents'), transaction: 'none', gateway: embeds, errorFormat },
    schema: {
      summary: "Search the org's documents the caller may read (exact cosine scan; Cedar decides each document)",
      tags,
      security,
      body: searchBodySchema,
      response: { 200: searchResultSchema },
    },
    handler: async (request, reply) => {
      const { query, top_k, filter, model } = request.body;
      const found = await services.retrieval.search(gatewayCall(request, reply), {
        query,
        topK: top_k,
        ...(filter !== undefined ? { filter } : {}),
        ...(model !== undefined ? { model } : {}),
      });
      return toSearchWire(found.model, found.hits);
    },
  });
}
