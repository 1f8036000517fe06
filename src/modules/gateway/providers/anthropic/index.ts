import type { ModelProvider } from '../../ports.js';
import { createHttpProvider, type AdapterConnection, type HttpAdapterSpec } from '../http/http-adapter.js';
import type { ProviderHttpClient } from '../http/provider-http-client.js';
import { toAnthropicRequest } from './anthropic-request.js';
import { anthropicStreamTransform, fromAnthropicMessage } from './anthropic-response.js';

/** Default base URL of Anthropic's API (paths start with `/v1`, as in Anthropic's SDK). */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
/** The `anthropic-version` sent unless the connection sets `options.anthropic_version`. */
export const ANTHROPIC_VERSION = '2023-06-01';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Anthropic's Messages API mapped to and from the chat format; no embeddings (Anthropic has no such API). */
export const anthropicSpec: HttpAdapterSpec = {
  kind: 'anthropic',
  headers: (connection: AdapterConnection) => ({
    ...(connection.credential ? { 'x-api-key': connection.credential } : {}),
    'anthropic-version': connection.options.anthropic_version ?? ANTHROPIC_VERSION,
  }),
  chat: {
    path: '/v1/messages',
    request: toAnthropicRequest,
    response: (body) => fromAnthropicMessage(body, nowSeconds()),
    stream: () => anthropicStreamTransform(nowSeconds()),
  },
};

/** An Anthropic provider on one connection. */
export function createAnthropicProvider(connection: AdapterConnection, http: ProviderHttpClient): ModelProvider {
  return createHttpProvider(anthropicSpec, connection, http);
}

export { ANTHROPIC_DEFAULT_MAX_TOKENS, toAnthropicRequest } from './anthropic-request.js';
export { anthropicStreamTransform, fromAnthropicMessage, mapStopReason } from './anthropic-response.js';
