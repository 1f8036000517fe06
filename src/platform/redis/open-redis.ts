import { Redis } from 'ioredis';

/**
 * A Redis client for shared counters. Commands are not queued while disconnected (they fail at once, so callers
 * fall back instead of waiting) and the client keeps reconnecting in the background.
 */
export function openRedis(url: string, onError: (error: Error) => void = () => undefined): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
  client.on('error', onError);
  return client;
}

/** Closes a client, waiting for pending replies when it is connected. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}
