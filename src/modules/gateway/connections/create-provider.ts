import type { ModelProvider } from '../ports.js';
import { createAnthropicProvider } from '../providers/anthropic/index.js';
import type { AdapterConnection } from '../providers/http/http-adapter.js';
import type { ProviderHttpClient } from '../providers/http/provider-http-client.js';
import { createOpenAiProvider } from '../providers/openai/index.js';
import { createOpenAiCompatibleProvider } from '../providers/openai-compatible/index.js';
import type { ProviderKind } from './provider-connection.js';

/** The adapter of a connection kind, on one connection. */
export function createProvider(
  kind: ProviderKind,
  connection: AdapterConnection,
  http: ProviderHttpClient,
): ModelProvider {
  switch (kind) {
    case 'openai':
      return createOpenAiProvider(connection, http);
    case 'anthropic':
      return createAnthropicProvider(connection, http);
    case 'openai-compatible':
      return createOpenAiCompatibleProvider(connection, http);
  }
}
