import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  ProviderCallContext,
} from '../../src/modules/gateway/index.js';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { RecordingProvider, startGateway, type GatewayKit } from './gateway-test-kit.js';

// Attack: kill the node (or make it crash) while the provider holds the prompt, hoping the prompt left with no record
// that it was scanned. The input scan's verdict commits with the call's reservation, before the provider is called:
// read from the database (not the audit buffer) at the moment the provider has the prompt, it is already there.
describe(`the input verdict is on record before the prompt reaches the provider (${backendName})`, () => {
  let kit: GatewayKit;
  const seen: Record<string, unknown>[][] = [];

  class PeekingProvider extends RecordingProvider {
    override async chat(request: ChatRequest, context: ProviderCallContext): Promise<ChatCompletion> {
      seen.push(await committedRecords(context.requestId));
      return super.chat(request, context);
    }

    override chatStream(request: ChatRequest, context: ProviderCallContext): AsyncIterable<ChatCompletionChunk> {
      const inner = super.chatStream(request, context);
      return (async function* () {
        seen.push(await committedRecords(context.requestId));
        yield* inner;
      })();
    }
  }

  const committedRecords = (requestId: string) =>
    kit.server.testDb.superuser(
      `SELECT action, details->>'hook' AS hook FROM audit_events
        WHERE org_id = $1 AND request_id = $2 AND action IN ('guard.scan.completed', 'gateway.request.completed')
        ORDER BY seq`,
      [kit.a.orgId, requestId],
    );

  beforeAll(async () => {
    kit = await startGateway({ local: new PeekingProvider() });
  }, 120_000);
  afterAll(async () => kit.close());

  it('holds for a call and for a stream', async () => {
    const call = apiClient(kit.server.app);
    const chat = await call(kit.a.ownerKey, 'POST', '/v1/chat/completions', {
      model: 'bulwark-local-chat',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    });
    expect(chat.statusCode).toBe(200);
    const stream = await call(kit.a.ownerKey, 'POST', '/v1/chat/completions', {
      model: 'bulwark-local-chat',
      stream: true,
      messages: [{ role: 'user', content: 'And of Spain?' }],
    });
    expect(stream.statusCode).toBe(200);
    expect(seen).toEqual([
      [{ action: 'guard.scan.completed', hook: 'input' }],
      [{ action: 'guard.scan.completed', hook: 'input' }],
    ]);
  });
});
