import { AppError } from '../../../lib/errors/index.js';
import type { Clock } from '../../../lib/clock.js';
import { newId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { AuditEventInput, AuditLog } from '../../audit/index.js';
import { actorOf, type Action, type AuthzEngine, type Decision } from '../../authz/index.js';
import { requirePlanFeature } from '../../billing/index.js';
import { contentText } from '../message-text.js';
import type { GatewayCall } from '../pipeline/gateway-call.js';
import type { GatewayService } from '../pipeline/gateway-service.js';
import type { ChatRequest } from '../ports.js';
import { LOCAL_EMBED_MODEL } from '../providers/local/local-models.js';
import { chunkText } from './chunk-text.js';
import { withRetrievedContext } from './context-message.js';
import { MAX_QUERY_TEXT } from './schema.js';
import type { ChunkHit, DocumentAttributes, DocumentId, StoredDocument } from './document.js';
import {
  deleteDocument,
  documentText,
  findDocument,
  insertDocument,
  listDocuments,
  nearestChunks,
  searchCandidates,
} from './repo.js';

/** Dependencies of the retrieval use cases; built by the composition root. */
export interface RetrievalServiceDeps {
  db: Db;
  engine: AuthzEngine;
  audit: AuditLog;
  /** Embeds through the gateway pipeline: input guards, Cedar `invoke:models`, metering, one audit event. */
  gateway: Pick<GatewayService, 'embed'>;
  /** Appends one event through the audit group commit; resolves once it is stored. */
  recordEvent(event: AuditEventInput): Promise<void>;
  clock: Clock;
}

/** A new document: text, optional title, ABAC attributes and labels, and the embedding model to use. */
export interface NewDocument {
  text: string;
  title?: string;
  attributes?: DocumentAttributes;
  metadata?: Record<string, string>;
  model?: string;
}

/** A search: the query text, how many chunks, an attribute filter and the embedding model. */
export interface RetrievalQuery {
  query: string;
  topK: number;
  filter?: DocumentAttributes;
  model?: string;
}

/** Runs a use case's writes in the route's tenant transaction (which also commits the route's allowed decision). */
export type InTenantTransaction = <T>(fn: (sql: TenantSql) => Promise<T>) => Promise<T>;

function notFound(): AppError {
  // SECURITY: one answer for "no such document", "another org's document" and "a document policy hides from you".
  return new AppError('gateway.document_not_found', {
    details: { issues: [{ field: 'params.document_id', message: 'unknown document' }] },
  });
}

function noQuery(): AppError {
  return new AppError('http.bad_request', {
    publicMessage: 'bulwark.retrieval needs a query, or a last user message with text',
    details: { issues: [{ field: 'body.bulwark.retrieval.query', message: 'no query text' }] },
  });
}

/**
 * Tenant-isolated retrieval: documents chunked and embedded per org through the gateway's own embedding path, stored
 * under row-level security, searched by an exact cosine scan over the org's rows, and each document decided by Cedar
 * (`read:documents` on `Document` with its region and project) before it is shown or put in a prompt.
 */
export class RetrievalService {
  constructor(private readonly deps: RetrievalServiceDeps) {}

  /**
   * Uploads a document: chunks it, embeds the chunks (a text the input guard blocks, a secret for one, is refused
   * with the gateway's error and never stored or sent upstream), then stores it with its audit event in `transact`.
   */
  async ingest(call: GatewayCall, input: NewDocument, transact: InTenantTransaction): Promise<StoredDocument> {
    await this.requireRetrievalPlan(call);
    const model = input.model ?? LOCAL_EMBED_MODEL;
    const chunks = chunkText(input.text);
    const embedded = await this.deps.gateway.embed(call, { model, input: chunks });
    const vectors = [...embedded.data].sort((x, y) => x.index - y.index).map((d) => d.embedding);
    const first = vectors[0];
    if (vectors.length !== chunks.length || first === undefined || vectors.some((v) => v.length !== first.length))
      throw new AppError('gateway.provider_error', {
        cause: new Error(`the embedding model answered ${vectors.length} vectors for ${chunks.length} chunks`),
      });
    const document: StoredDocument = {
      id: newId('doc', this.deps.clock.now().getTime()),
      title: input.title ?? null,
      attributes: input.attributes ?? {},
      metadata: input.metadata ?? {},
      embeddingModel: model,
      dimensions: first.length,
      chars: input.text.length,
      chunkCount: chunks.length,
      createdAt: this.deps.clock.now(),
    };
    await transact(async (sql) => {
      await insertDocument(
        sql,
        document,
        chunks.map((content, i) => ({ content, embedding: vectors[i] ?? [] })),
      );
      await this.deps.audit.append(sql, [
        this.event(call, 'gateway.document.created', document.id, 'allow', [], {
          model,
          chunks: chunks.length,
          chars: document.chars,
          ...document.attributes,
        }),
      ]);
    });
    return document;
  }

  /** One document with its text, when it exists in the caller's org and Cedar lets the caller read it. */
  async get(call: GatewayCall, id: DocumentId): Promise<StoredDocument & { text: string }> {
    const found = await this.deps.db.withTenant(call.principal.orgId, async (sql) => {
      const document = await findDocument(sql, id);
      return document ? { ...document, text: await documentText(sql, id) } : null;
    });
    if (!found) throw notFound();
    await this.requireDocument(call, 'read:documents', found);
    return found;
  }

  /**
   * A page of the caller's documents (id order), without those Cedar hides from the caller. `nextAfter` is the last
   * row read, so a page thinned by policy still pages on.
   */
  async list(
    call: GatewayCall,
    page: { limit: number; afterId?: string },
  ): Promise<{ documents: StoredDocument[]; nextAfter: string | null }> {
    const rows = await this.deps.db.withTenant(call.principal.orgId, (sql) =>
      listDocuments(sql, page.limit, page.afterId),
    );
    const documents = rows.filter((d) => this.decide(call, 'read:documents', d).decision === 'allow');
    return { documents, nextAfter: rows.length === page.limit ? (rows.at(-1)?.id ?? null) : null };
  }

  /** Deletes a document (and its chunks) the caller may write, with its audit event, in `transact`. */
  async remove(call: GatewayCall, id: DocumentId, transact: InTenantTransaction): Promise<void> {
    await transact(async (sql) => {
      const document = await findDocument(sql, id);
      if (!document) throw notFound();
      const decision = this.decide(call, 'write:documents', document);
      if (decision.decision === 'deny') {
        await this.recordDenial(call, 'write:documents', document, decision);
        throw notFound();
      }
      await deleteDocument(sql, id);
      await this.deps.audit.append(sql, [
        this.event(call, 'gateway.document.deleted', id, 'allow', decision.reasons, {}),
      ]);
    });
  }

  /**
   * The chunks most similar to the query among the documents the caller may read. The query is embedded through the
   * gateway (guarded, metered); candidates are decided by Cedar first, so a denied document neither appears nor
   * takes a place in the top k.
   */
  async search(call: GatewayCall, query: RetrievalQuery): Promise<{ model: string; hits: ChunkHit[] }> {
    await this.requireRetrievalPlan(call);
    const model = query.model ?? LOCAL_EMBED_MODEL;
    const embedded = await this.deps.gateway.embed(call, { model, input: [query.query] });
    const vector = embedded.data[0]?.embedding ?? [];
    const { hits, candidates, denied } = await this.deps.db.withTenant(call.principal.orgId, async (sql) => {
      const all = await searchCandidates(sql, model, query.filter ?? {});
      const allowed = all.filter((d) => this.decide(call, 'read:documents', d).decision === 'allow').map((d) => d.id);
      return {
        hits: await nearestChunks(sql, allowed, vector, query.topK),
        candidates: all.length,
        denied: all.length - allowed.length,
      };
    });
    const documents = [...new Set(hits.map((h) => h.documentId))];
    // The org's own audit log may count what policy withheld; the caller's answer never does.
    await this.record(
      this.event(call, 'gateway.retrieval.searched', null, 'allow', [], {
        model,
        top_k: query.topK,
        documents,
        candidates,
        withheld_by_policy: denied,
      }),
    );
    return { model, hits };
  }

  /**
   * Grounds a chat request on the org's documents (`bulwark.retrieval`): the caller must also be allowed
   * `read:documents`; the chunks found become one system message, added before the gateway's input guards scan the
   * request (so injected text in a document is caught like the user's own), and the request's audit event lists
   * the document ids used.
   */
  async augmentChat(
    call: GatewayCall,
    request: ChatRequest,
    options: Omit<RetrievalQuery, 'query'> & { query?: string },
  ): Promise<{ call: GatewayCall; request: ChatRequest }> {
    const principal = call.principal;
    const decision = this.deps.engine.decide(
      principal,
      'read:documents',
      { type: 'Org', id: principal.orgId, orgId: principal.orgId },
      { ip: call.clientIp },
    );
    if (decision.decision === 'deny') {
      await this.record({
        ...this.event(call, 'authz.decision.made', null, 'deny', decision.reasons, { action: 'read:documents' }),
        resource: { type: 'Org', id: principal.orgId },
      });
      throw new AppError(decision.reasons.includes('authz.scope_missing') ? 'authz.scope_missing' : 'authz.denied', {
        details: { reasons: decision.reasons },
      });
    }
    const lastUser = request.messages.findLast((m) => m.role === 'user');
    const text = options.query ?? (lastUser ? contentText(lastUser.content) : '').slice(0, MAX_QUERY_TEXT);
    if (text.trim().length === 0) throw noQuery();
    // The query's embedding is its own metered call, under a request id of its own (one reservation per id).
    const { hits } = await this.search(
      { ...call, requestId: `${call.requestId}.retrieval` },
      { ...options, query: text },
    );
    const documents = [...new Set(hits.map((h) => h.documentId))];
    return {
      call: { ...call, auditFacts: { ...call.auditFacts, retrieval: { documents, chunks: hits.length } } },
      request: withRetrievedContext(request, hits),
    };
  }

  private decide(call: GatewayCall, action: Action, document: { id: DocumentId; attributes: DocumentAttributes }) {
    return this.deps.engine.decide(
      call.principal,
      action,
      { type: 'Document', id: document.id, orgId: call.principal.orgId, attributes: document.attributes },
      { ip: call.clientIp },
    );
  }

  private async requireDocument(call: GatewayCall, action: Action, document: StoredDocument): Promise<void> {
    const decision = this.decide(call, action, document);
    if (decision.decision === 'allow') return;
    await this.recordDenial(call, action, document, decision);
    throw notFound();
  }

  private async recordDenial(call: GatewayCall, action: Action, document: StoredDocument, decision: Decision) {
    await this.record(
      this.event(call, 'authz.decision.made', document.id, 'deny', decision.reasons, {
        action,
        resource_org_id: call.principal.orgId,
      }),
    );
  }

  private event(
    call: GatewayCall,
    action: string,
    documentId: DocumentId | null,
    decision: 'allow' | 'deny',
    reasons: readonly string[],
    details: Record<string, unknown>,
  ): AuditEventInput {
    return {
      orgId: call.principal.orgId,
      actor: actorOf(call.principal),
      action,
      resource: documentId === null ? null : { type: 'Document', id: documentId },
      decision,
      reasonCodes: reasons,
      requestId: call.requestId,
      clientIp: call.clientIp,
      ...(call.userAgent !== undefined ? { userAgent: call.userAgent } : {}),
      details,
    };
  }

  // Retrieval is a plan feature: refused before anything is embedded (and metered) when the plan lacks it.
  private async requireRetrievalPlan(call: GatewayCall): Promise<void> {
    await this.deps.db.withTenant(call.principal.orgId, (sql) => requirePlanFeature(sql, this.deps.clock, 'retrieval'));
  }

  private async record(event: AuditEventInput): Promise<void> {
    try {
      await this.deps.recordEvent(event);
    } catch (cause) {
      throw new AppError('audit.write_failed', { cause });
    }
  }
}
