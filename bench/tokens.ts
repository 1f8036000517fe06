/**
 * Access tokens: client_credentials tokens per second through the HTTP token endpoint (client_secret_basic, a real
 * socket; the requests come from a worker thread, bench/token-load.ts, so the client's HTTP work does not share the
 * node's event loop; `load=inline` sends them from this thread), beside bare jose ES256 signing of the same claims;
 * and access-token authentications per second through the API hook's path (`oidc.authenticate`: signature and
 * claims, then the org's cache generation (pushed changes on PostgreSQL; the node's own commit notices on the
 * embedded database, its only writer) and the principal cached per token under it; the same token presented again is
 * remembered, its expiry and key checked), and each freshly minted token's first use (its service account and its
 * org's revocations cached under the generation), beside bare jose verification of the same token. Both baselines
 * run in this process in the same run; the bench prints rates and ratios, and the database work of one token request
 * and of one first use. PGlite by default, PostgreSQL when DATABASE_URL is set.
 * Run: npm run bench:tokens [-- requests=2000 load=inline trace=1 profile=out]
 * (`trace=1` prints the statements of one token request and one first use; `profile=out` writes CPU profiles of this
 * thread during the token requests and the first uses, out-tokens.cpuprofile and out-first-use.cpuprofile.) */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { loadConfig } from '../src/config/index.js';
import { systemClock } from '../src/lib/clock.js';
import type { OrgId } from '../src/lib/ids.js';
import { buildApp, openRuntime } from '../src/main.js';
import { createLogger } from '../src/platform/logger/index.js';
import type { Db } from '../src/platform/db/index.js';
import { twoOrgs } from '../test/api/api-client.js';
import { backendName, createTestDb } from '../test/support/test-db.js';
import { countDb, type DbCounts } from './db-counts.js';
import { requestTokens, type TokenLoadJob, type TokenLoadResult } from './token-load.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const TOKEN_REQUESTS = Number(args.requests ?? 2_000);
// Requests sent (and timed apart) before the measured ones, while the JIT compiles the token path.
const WARM_UP_REQUESTS = 400;
const CONCURRENCY = 8;
const VERIFICATIONS = 2_000;

async function rate(count: number, concurrency: number, run: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await run(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** The transactions and statements per call of `run`, done `count` times one at a time (the first traced). */
async function dbWork(counts: DbCounts, count: number, run: (i: number) => Promise<unknown>): Promise<string> {
  const before = { ...counts };
  for (let i = 0; i < count; i++) {
    counts.trace = args.trace === '1' && i === 0;
    await run(i);
  }
  counts.trace = false;
  const per = (n: number) => (n / count).toFixed(2);
  return `${per(counts.transactions - before.transactions)} transactions, ${per(counts.statements - before.statements)} statements`;
}

/** Runs `fn` under the CPU profiler when `profile=` names a file prefix. */
async function profiled<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  if (!args.profile) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(`${args.profile}-${phase}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}

/** Runs token batches in the load worker (bench/token-load.ts), one at a time. */
function inWorker(worker: Worker): (job: TokenLoadJob) => Promise<TokenLoadResult> {
  return (job) =>
    new Promise((resolve, reject) => {
      worker.once('message', (message: { result?: TokenLoadResult; error?: string }) =>
        message.result ? resolve(message.result) : reject(new Error(message.error)),
      );
      worker.postMessage(job);
    });
}

/** Where a request takes its org's cache generation from on this database. */
function generationSource(db: Db): string {
  if (db.soleWriter) return 'generation from commit notices';
  const bound = db.pushedCommits?.boundMs;
  return bound ? `generation from pushed changes, bound ${bound} ms` : 'one generation read each';
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-bench-tokens-'));
  const config = loadConfig({
    env: { BULWARK_ENV: 'test', BULWARK_DATA_DIR: dataDir, BULWARK_LOG_LEVEL: 'error' },
  });
  const testDb = await createTestDb();
  const counts = countDb(testDb.db);
  const runtime = await openRuntime(config, {
    db: testDb.db,
    ownerDb: testDb.owner,
    clock: systemClock,
    logger: createLogger({ level: 'error' }),
  });
  const app = await buildApp(runtime, { accepting: true }, []);
  const worker = args.load === 'inline' ? undefined : new Worker(new URL('./token-load-worker.mjs', import.meta.url));
  const load = worker ? inWorker(worker) : requestTokens;
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const { call, a } = await twoOrgs(app, runtime.bootstrap?.secret ?? '');
    const account = (
      await call(a.ownerKey, 'POST', `/v1/orgs/${a.orgId}/service-accounts`, { name: 'bench', roles: ['viewer'] })
    ).json() as { id: string };
    const client = (
      await call(a.ownerKey, 'POST', `/v1/orgs/${a.orgId}/service-accounts/${account.id}/oauth-clients`, {})
    ).json() as { client_id: string; client_secret: string };
    const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
    const job = { origin: address, authorization: basic, concurrency: CONCURRENCY };
    const one = async () => (await requestTokens({ ...job, count: 1, concurrency: 1 })).tokens[0] ?? '';
    const token = await one();
    const { rate: coldTokens } = await load({ ...job, count: WARM_UP_REQUESTS });
    const cpuBefore = process.cpuUsage();
    const { rate: httpTokens, tokens: minted } = await profiled('tokens', () =>
      load({ ...job, count: TOKEN_REQUESTS }),
    );
    const cpu = process.cpuUsage(cpuBefore);
    const cpuPerToken = (cpu.user + cpu.system) / TOKEN_REQUESTS;
    const tokenWork = await dbWork(counts, 20, one);

    // The same claims and key, signed and verified by jose alone.
    const platformOrgId = runtime.services.platformOrgId as OrgId;
    const kid = decodeProtectedHeader(token).kid;
    const privateJwk = await runtime.db.withTenant(platformOrgId, async (sql) => {
      const { rows } = await sql.query<{ private_jwk_ciphertext: string }>(
        'SELECT private_jwk_ciphertext FROM oidc_signing_keys WHERE kid = $1',
        [kid],
      );
      const ref = { table: 'oidc_signing_keys', column: 'private_jwk_ciphertext', rowId: String(kid) };
      return JSON.parse(
        await runtime.services.cipher.decryptString(sql, ref, rows[0]?.private_jwk_ciphertext ?? ''),
      ) as JWK;
    });
    const { d: _private, ...publicJwk } = privateJwk;
    const privateKey = await importJWK(privateJwk, 'ES256');
    const publicKey = await importJWK(publicJwk, 'ES256');
    const claims = decodeJwt(token);
    const joseSign = await rate(VERIFICATIONS, 1, () =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(privateKey),
    );

    const { oidc } = runtime.services;
    await rate(100, 1, () => oidc.authenticate(token)); // warm-up
    const hook = await rate(VERIFICATIONS, 1, () => oidc.authenticate(token));
    // Each minted token presented for the first time: its signature verified and its principal resolved.
    const unseen = minted.filter((t) => t !== token);
    const firstUse = await profiled('first-use', () =>
      rate(unseen.length - 20, 1, (i) => oidc.authenticate(unseen[i] ?? token)),
    );
    const firstUseWork = await dbWork(counts, 20, (i) => oidc.authenticate(unseen[unseen.length - 20 + i] ?? token));
    const joseVerify = await rate(VERIFICATIONS, 1, () =>
      jwtVerify(token, publicKey, {
        algorithms: ['ES256'],
        typ: 'at+jwt',
        issuer: oidc.issuer,
        audience: oidc.audience,
      }),
    );

    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    process.stdout.write(
      [
        `bench/tokens (${backendName}, ${TOKEN_REQUESTS} token requests at ${CONCURRENCY} in flight from ${worker ? 'a worker thread' : 'this thread'}, ${VERIFICATIONS} verifications one at a time)`,
        `  client_credentials over HTTP      ${fmt(httpTokens)} tokens/s (after ${WARM_UP_REQUESTS} warm-up requests, which ran at ${fmt(coldTokens)} tokens/s)`,
        `  CPU per token request             ${fmt(cpuPerToken)} µs (this process, the load worker's thread included: less swayed by other load on the machine)`,
        `  bare jose ES256 sign              ${fmt(joseSign)} tokens/s   (HTTP endpoint at ${(httpTokens / joseSign).toFixed(3)}x of bare signing)`,
        `  access token through our hook     ${fmt(hook)} verifications/s (the same token again: remembered; ${generationSource(testDb.db)})`,
        `  first use of a token              ${fmt(firstUse)} verifications/s (signature verified, principal resolved: ${(joseVerify / firstUse).toFixed(2)}x the time of bare verification)`,
        `  bare jose ES256 verify            ${fmt(joseVerify)} verifications/s   (our hook at ${(joseVerify / hook).toFixed(2)}x the time of bare verification)`,
        `  database work, one at a time      token request: ${tokenWork}; first use: ${firstUseWork} (each transaction adds BEGIN, role, context, COMMIT)`,
        '',
      ].join('\n'),
    );
  } finally {
    await worker?.terminate();
    await app.close();
    await runtime.close();
    await testDb.close();
  }
}

await main();
