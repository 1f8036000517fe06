/**
 * The load side of bench/tokens in a worker thread (started through token-load-worker.mjs): client_credentials
 * requests to the node's token endpoint over a real socket, so the client's HTTP work does not share the node's event
 * loop. One job at a time; it answers with the rate and the tokens minted.
 */
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort } from 'node:worker_threads';
import { Pool } from 'undici';

/** A batch of token requests: `count` of them, `concurrency` in flight (one keep-alive connection each). */
export interface TokenLoadJob {
  /** The node's origin; requests go to its `/oidc/token`. */
  origin: string;
  authorization: string;
  count: number;
  concurrency: number;
}

/** Tokens per second over the batch, and every token minted. */
export interface TokenLoadResult {
  rate: number;
  tokens: string[];
}

/** Runs `job` from the calling thread. */
export async function requestTokens(job: TokenLoadJob): Promise<TokenLoadResult> {
  const pool = new Pool(job.origin, { connections: job.concurrency });
  const tokens: string[] = [];
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (next < job.count) {
          next++;
          const response = await pool.request({
            method: 'POST',
            path: '/oidc/token',
            headers: { authorization: job.authorization, 'content-type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials',
          });
          const body = (await response.body.json()) as { access_token?: string };
          if (response.statusCode !== 200 || !body.access_token)
            throw new Error(`token endpoint answered ${response.statusCode}`);
          tokens.push(body.access_token);
        }
      }),
    );
    return { rate: job.count / ((performance.now() - started) / 1000), tokens };
  } finally {
    await pool.close();
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', (job: TokenLoadJob) => {
    requestTokens(job).then(
      (result) => port.postMessage({ result }),
      (error: unknown) => port.postMessage({ error: String(error) }),
    );
  });
}
