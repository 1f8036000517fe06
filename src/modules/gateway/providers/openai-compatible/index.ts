import type { ModelProvider } from '../../ports.js';
import { createHttpProvider, type AdapterConnection } from '../http/http-adapter.js';
import type { ProviderHttpClient } from '../http/provider-http-client.js';
import { openAiWireSpec } from '../openai/index.js';

const spec = openAiWireSpec({ kind: 'openai-compatible', streamUsage: true });

/**
 * Any server that speaks OpenAI's Chat Completions and Embeddings (vLLM, Ollama, LM Studio, TGI), by base URL
 * (for example `http://127.0.0.1:11434/v1`); the key is optional and sent as a Bearer token when set.
 */
export function createOpenAiCompatibleProvider(connection: AdapterConnection, http: ProviderHttpClient): ModelProvider {
  return createHttpProvider(spec, connection, http);
}
