import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Readable } from 'node:stream';
import type { AppError } from '../../lib/errors/index.js';
import {
  chatCompletionBodySchema,
  chatStreamToResponses,
  chatToResponse,
  embeddingsBodySchema,
  encodeEmbeddings,
  modelList,
  responsesBodySchema,
  responsesToChat,
  type ChatCompletionChunk,
  type ChatExtensions,
  type ChatRequest,
  type GatewayCall,
  type ResponsesStreamEvent,
} from '../../modules/gateway/index.js';
import type { ApiServices } from '../api-services.js';
import { principalOf, requestMeta, type RouteAuthz } from '../auth/route-auth.js';
import { renderOpenAi } from '../errors/renderers.js';
import { toAppError } from '../errors/to-problem.js';

// The route-level decision is on the caller's own org (may this principal invoke models at all); the pipeline then
// decides `invoke:models` on the named model with the guard's findings and the model's attributes.
const onOwnOrg = (action: RouteAuthz['action']): RouteAuthz => ({
  action,
  resource: (request) => {
    const orgId = principalOf(request).orgId;
    return { type: 'Org', id: orgId, orgId };
  },
});

// Model calls are POSTs whose decision is stored before the handler runs (transaction `none`): the pipeline records
// its own steps (guard scans, quarantine holds, one gateway event by group commit), since a stream outlives any one
// transaction.
const modelCall = {
  authz: onOwnOrg('invoke:models'),
  transaction: 'none' as const,
  gateway: { metered: true as const, guarded: true as const },
  errorFormat: 'openai' as const,
};

// The client going away aborts the provider call (and the stream's generator is closed by the pipe).
/** The gateway call of a request: principal, request id, client address and an abort signal tied to the client. */
export function gatewayCall(request: FastifyRequest, reply: FastifyReply): GatewayCall {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  const meta = requestMeta(request);
  return {
    principal: principalOf(request),
    requestId: meta.requestId,
    clientIp: meta.clientIp,
    ...(meta.userAgent !== undefined ? { userAgent: meta.userAgent } : {}),
    signal: controller.signal,
  };
}

function openStream(reply: FastifyReply, body: AsyncIterable<string>): FastifyReply {
  reply.header('content-type', 'text/event-stream; charset=utf-8');
  reply.header('cache-control', 'no-cache');
  reply.header('x-accel-buffering', 'no');
  return reply.send(Readable.from(body, { objectMode: false }));
}

function streamFailure(request: FastifyRequest, error: unknown): AppError {
  const appError = toAppError(error);
  if (appError.status >= 500 && appError.code !== 'gateway.output_blocked')
    request.log.error({ err: error }, 'gateway stream failed');
  return appError;
}

async function* chatEvents(
  request: FastifyRequest,
  chunks: AsyncIterable<ChatCompletionChunk>,
): AsyncGenerator<string> {
  try {
    for await (const chunk of chunks) yield `data: ${JSON.stringify(chunk)}\n\n`;
    yield 'data: [DONE]\n\n';
  } catch (error) {
    // OpenAI's stream error: a data line with an `error` object (the official clients raise it as an APIError).
    yield `data: ${JSON.stringify(renderOpenAi(streamFailure(request, error), request.id).body)}\n\n`;
  }
}

async function* responsesEvents(
  request: FastifyRequest,
  events: AsyncIterable<ResponsesStreamEvent>,
): AsyncGenerator<string> {
  let seq = 0;
  try {
    for await (const event of events) {
      seq = event.sequence_number + 1;
      yield `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    }
  } catch (error) {
    const rendered = renderOpenAi(streamFailure(request, error), request.id).body.error as Record<string, unknown>;
    const event = {
      type: 'error',
      code: rendered.code,
      message: rendered.message,
      param: rendered.param,
      sequence_number: seq,
    };
    yield `event: error\ndata: ${JSON.stringify(event)}\n\n`;
  }
}

function chatRequestOf(body: ReturnType<typeof chatCompletionBodySchema.parse>): ChatRequest {
  // SECURITY: `bulwark` is Bulwark's own extension object and never goes upstream.
  const { stream: _stream, stream_options: _options, n: _n, bulwark: _bulwark, ...request } = body;
  return request as ChatRequest;
}

function extensionsOf(body: ReturnType<typeof chatCompletionBodySchema.parse>): ChatExtensions {
  const prompt = body.bulwark?.prompt;
  return prompt ? { prompt } : {};
}

/** The OpenAI-compatible gateway: chat completions, responses, embeddings and the model list. */
export function registerGatewayRoutes(app: FastifyInstance, services: ApiServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const security = [{ bearer: [] }];

  r.post('/v1/chat/completions', {
    config: modelCall,
    schema: {
      summary: 'Create a chat completion (OpenAI-compatible; `stream: true` for server-sent events)',
      tags: ['gateway'],
      security,
      body: chatCompletionBodySchema,
    },
    handler: async (request, reply) => {
      const body = request.body;
      const retrieval = body.bulwark?.retrieval;
      // `bulwark.retrieval`: the org's documents become a system message before the pipeline's input guards run.
      const { call, request: chat } = retrieval
        ? await services.retrieval.augmentChat(gatewayCall(request, reply), chatRequestOf(body), {
            topK: retrieval.top_k,
            ...(retrieval.query !== undefined ? { query: retrieval.query } : {}),
            ...(retrieval.filter !== undefined ? { filter: retrieval.filter } : {}),
            ...(retrieval.model !== undefined ? { model: retrieval.model } : {}),
          })
        : { call: gatewayCall(request, reply), request: chatRequestOf(body) };
      if (!body.stream) return services.gateway.chat(call, chat, 'chat.completions', extensionsOf(body));
      const chunks = await services.gateway.chatStream(call, chat, {
        includeUsage: body.stream_options?.include_usage === true,
        extensions: extensionsOf(body),
      });
      return openStream(reply, chatEvents(request, chunks));
    },
  });

  r.post('/v1/responses', {
    config: modelCall,
    schema: {
      summary: 'Create a response (OpenAI Responses API, stateless; `stream: true` for its stream events)',
      tags: ['gateway'],
      security,
      body: responsesBodySchema,
    },
    handler: async (request, reply) => {
      const call = gatewayCall(request, reply);
      const body = request.body;
      if (!body.stream)
        return chatToResponse(body, await services.gateway.chat(call, responsesToChat(body), 'responses'));
      const chunks = await services.gateway.chatStream(call, responsesToChat(body), {
        includeUsage: true,
        endpoint: 'responses',
      });
      return openStream(reply, responsesEvents(request, chatStreamToResponses(body, chunks)));
    },
  });

  r.post('/v1/embeddings', {
    config: modelCall,
    schema: {
      summary: 'Create embeddings (float, or base64 when `encoding_format: base64`)',
      tags: ['gateway'],
      security,
      body: embeddingsBodySchema,
    },
    handler: async (request, reply) => {
      const body = request.body;
      const input = typeof body.input === 'string' ? [body.input] : body.input;
      const response = await services.gateway.embed(gatewayCall(request, reply), {
        model: body.model,
        input,
        ...(body.dimensions !== undefined ? { dimensions: body.dimensions } : {}),
        ...(body.user !== undefined ? { user: body.user } : {}),
      });
      return encodeEmbeddings(response, body.encoding_format ?? 'float');
    },
  });

  r.get('/v1/models', {
    config: { authz: onOwnOrg('read:models'), errorFormat: 'openai' },
    schema: {
      summary: 'List the models the caller may invoke (each filtered by a Cedar invoke:models decision)',
      tags: ['gateway'],
      security,
    },
    handler: async (request) => modelList(await services.gateway.listModels(principalOf(request), request.ip)),
  });
}
