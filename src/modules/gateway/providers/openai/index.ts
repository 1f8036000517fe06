import type { ModelProvider } from '../../ports.js';
import { createHttpProvider, type AdapterConnection } from '../http/http-adapter.js';
import type { ProviderHttpClient } from '../http/provider-http-client.js';
import { openAiWireSpec } from './openai-adapter.js';

/** Default base URL of OpenAI's API. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

const spec = openAiWireSpec({ kind: 'openai', streamUsage: true });

/** An OpenAI provider: Bearer key, optional organization (`options.organization`); chat, streams and embeddings. */
export function createOpenAiProvider(connection: AdapterConnection, http: ProviderHttpClient): ModelProvider {
  return createHttpProvider(spec, connection, http);
}

export { openAiWireSpec } from './openai-adapter.js';
