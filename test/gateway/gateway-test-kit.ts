import type { OrgId } from '../../src/lib/ids.js';
import type { AuditEventInput, AuditRecord } from '../../src/modules/audit/index.js';
import {
  BuiltInCatalog,
  LocalProvider,
  ProviderError,
  type UsageMeter,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatRequest,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type MeterSubject,
  type ModelAttributes,
  type ModelCatalog,
  type ModelProvider,
  type ProviderCallContext,
  type ResolvedModel,
  type UsageReservation,
} from '../../src/modules/gateway/index.js';
import { apiClient, twoOrgs } from '../api/api-client.js';
import { createTestServer, type TestServer } from '../support/test-server.js';

/** The built-in provider, recording every request it receives (what reached "the upstream"). */
export class RecordingProvider implements ModelProvider {
  readonly kind = 'recording';
  readonly received: (ChatRequest | EmbeddingRequest)[] = [];
  private readonly local = new LocalProvider();

  chat(request: ChatRequest, context: ProviderCallContext): Promise<ChatCompletion> {
    this.received.push(request);
    return this.local.chat(request, context);
  }

  chatStream(request: ChatRequest, context: ProviderCallContext): AsyncIterable<ChatCompletionChunk> {
    this.received.push(request);
    return this.local.chatStream(request, context);
  }

  embed(request: EmbeddingRequest, context: ProviderCallContext): Promise<EmbeddingResponse> {
    this.received.push(request);
    return this.local.embed(request, context);
  }

  /** Every text the provider was sent, joined (to assert what never reached it). */
  receivedText(): string {
    return JSON.stringify(this.received);
  }
}

/** A provider that answers with fixed text, streamed in the given pieces, or fails with a ProviderError. */
export class ScriptedProvider implements ModelProvider {
  readonly kind = 'scripted';
  streamsAborted = 0;

  constructor(private readonly script: { pieces?: string[]; fail?: ProviderError; pauseMs?: number }) {}

  async chat(request: ChatRequest): Promise<ChatCompletion> {
    if (this.script.fail) throw this.script.fail;
    const text = (this.script.pieces ?? []).join('');
    return {
      id: 'chatcmpl-scripted',
      object: 'chat.completion',
      created: 1,
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    };
  }

  async *chatStream(request: ChatRequest, context: ProviderCallContext): AsyncIterable<ChatCompletionChunk> {
    if (this.script.fail) throw this.script.fail;
    const base = {
      id: 'chatcmpl-scripted',
      object: 'chat.completion.chunk' as const,
      created: 1,
      model: request.model,
    };
    yield { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
    try {
      for (const piece of this.script.pieces ?? []) {
        if (this.script.pauseMs) await new Promise((resolve) => setTimeout(resolve, this.script.pauseMs));
        if (context.signal.aborted) {
          this.streamsAborted += 1;
          return;
        }
        yield { ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] };
      }
    } finally {
      if (context.signal.aborted) this.streamsAborted += 1;
    }
    yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
    yield { ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } };
  }

  async embed(): Promise<EmbeddingResponse> {
    throw this.script.fail ?? new ProviderError('rejected', 'no embeddings here', 400);
  }
}

/** The built-in models plus test models, each with its provider and attributes. */
export class TestCatalog implements ModelCatalog {
  private readonly builtIn: BuiltInCatalog;
  private readonly extra = new Map<string, ResolvedModel>();

  constructor(local: ModelProvider = new LocalProvider()) {
    this.builtIn = new BuiltInCatalog(local);
  }

  /** Adds a chat model served by `provider`. */
  add(name: string, provider: ModelProvider, attributes: Partial<ModelAttributes> = {}): this {
    this.extra.set(name, {
      name,
      attributes: {
        provider: provider.kind,
        region: 'eu',
        dataClassesAllowed: [],
        kind: 'chat',
        builtIn: false,
        ...attributes,
      },
      targets: [{ provider, upstreamModel: `${name}-upstream`, circuitKey: `${provider.kind}/${name}` }],
    });
    return this;
  }

  async resolve(orgId: OrgId, name: string): Promise<ResolvedModel | null> {
    return this.extra.get(name) ?? this.builtIn.resolve(orgId, name);
  }

  async list(orgId: OrgId): Promise<ResolvedModel[]> {
    return [...(await this.builtIn.list(orgId)), ...this.extra.values()];
  }
}

/** The real usage meter, wrapped to count its calls per request id, to prove each model route goes through it. */
export class CountingMeter implements UsageMeter {
  readonly calls: { op: 'reserve' | 'settle' | 'release'; requestId: string; tokens?: number }[] = [];

  constructor(private readonly inner: UsageMeter) {}

  async reserve(
    subject: MeterSubject,
    requestId: string,
    estimatedTokens: number,
    carried?: AuditEventInput[],
  ): Promise<UsageReservation> {
    this.calls.push({ op: 'reserve', requestId, tokens: estimatedTokens });
    return this.inner.reserve(subject, requestId, estimatedTokens, carried);
  }

  async settle(
    reservation: UsageReservation,
    usage: { inputTokens: number; outputTokens: number },
    events: readonly AuditEventInput[],
  ): Promise<void> {
    this.calls.push({ op: 'settle', requestId: reservation.requestId });
    return this.inner.settle(reservation, usage, events);
  }

  async release(reservation: UsageReservation, events: readonly AuditEventInput[]): Promise<void> {
    this.calls.push({ op: 'release', requestId: reservation.requestId });
    return this.inner.release(reservation, events);
  }

  /** The operations recorded for one request id, in order. */
  opsFor(requestId: string): string[] {
    return this.calls.filter((c) => c.requestId === requestId).map((c) => c.op);
  }
}

/** A gateway on a fresh database, listening on 127.0.0.1, with two orgs and their owners' keys. */
export interface GatewayKit {
  server: TestServer;
  baseURL: string;
  meter: CountingMeter;
  catalog: TestCatalog;
  a: { orgId: string; ownerKey: string };
  b: { orgId: string; ownerKey: string };
  /** A key of org A with the given role and scopes. */
  keyFor(role: string, scopes: string[]): Promise<string>;
  /** Org A's audit events whose action starts with `prefix`. */
  events(prefix: string): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

/** Starts a gateway kit; `configure` adds test models to the catalogue first. */
export async function startGateway(
  options: { configure?: (catalog: TestCatalog) => void; local?: ModelProvider; env?: Record<string, string> } = {},
): Promise<GatewayKit> {
  const catalog = new TestCatalog(options.local);
  options.configure?.(catalog);
  let counting: CountingMeter | undefined;
  const wrapMeter = (real: UsageMeter) => (counting = new CountingMeter(real));
  const server = await createTestServer({
    gateway: { catalog, wrapMeter },
    ...(options.env ? { env: options.env } : {}),
  });
  if (!counting) throw new Error('the runtime did not build its usage meter');
  const meter: CountingMeter = counting;
  // As `bulwark serve` does after listening: the guard's embedding model is loaded before the first scan.
  await server.runtime.services.guard.warmUp();
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { a, b } = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  const call = apiClient(server.app);
  return {
    server,
    baseURL: `${address}/v1`,
    meter,
    catalog,
    a,
    b,
    async keyFor(role, scopes) {
      const res = await call(a.ownerKey, 'POST', `/v1/orgs/${a.orgId}/api-keys`, { name: `${role} key`, role, scopes });
      if (res.statusCode !== 201) throw new Error(`key creation failed: ${res.body}`);
      return res.json().secret as string;
    },
    async events(prefix) {
      await server.runtime.auditBuffer.flush();
      const out = [];
      for await (const record of server.runtime.services.audit.records(a.orgId as OrgId, {
        afterSeq: 0,
        pageSize: 500,
        actionPrefix: prefix,
      }))
        out.push(record);
      return out;
    },
    close: () => server.close(),
  };
}

/** Replaces org A's guard policy with `input` rules (read, then PUT with its ETag); returns the PUT's response. */
export async function replaceGuardPolicy(kit: GatewayKit, input: Record<string, string>) {
  const call = apiClient(kit.server.app);
  const url = `/v1/orgs/${kit.a.orgId}/guard/policy`;
  const current = await call(kit.a.ownerKey, 'GET', url);
  return call(kit.a.ownerKey, 'PUT', url, { input }, { 'if-match': String(current.headers.etag) });
}
