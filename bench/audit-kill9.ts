/**
 * How many acknowledged read decisions a `kill -9` loses. Starts `bulwark serve`, sends authorized reads,
 * kills the server with SIGKILL mid-traffic, restarts it, and counts acknowledged requests whose decision
 * event is missing from the audit log. Run: npx tsx bench/audit-kill9.ts (PGlite) or with DATABASE_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const PORT = 18_000 + Math.floor(Math.random() * 1000);
const BASE = `http://127.0.0.1:${PORT}`;
const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-kill9-'));
const env = {
  ...process.env,
  BULWARK_ENV: 'test',
  BULWARK_DATA_DIR: dataDir,
  PORT: String(PORT),
  BULWARK_LOG_LEVEL: 'warn',
};

async function start(): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['bin/bulwark.js', 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 600; i += 1) {
    if (out.includes('listening on')) return { child, output: () => out };
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    await sleep(100);
  }
  throw new Error('server did not start');
}

interface Reply {
  status: number;
  // The bench reads a few known fields of Bulwark's own responses.
  body: {
    secret: string;
    data: { id: string; request_id: string | null; seq: number }[];
    next_after_seq: number | null;
  };
  requestId: string | null;
}

async function json(method: string, url: string, key?: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${BASE}${url}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return {
    status: res.status,
    body: (await res.json().catch(() => null)) as Reply['body'],
    requestId: res.headers.get('x-request-id'),
  };
}

const first = await start();
const secret = /(bwb_[A-Za-z0-9_-]+)/.exec(first.output())?.[1];
if (!secret) throw new Error('no bootstrap secret printed');
const key = (await json('POST', '/v1/bootstrap/redeem', undefined, { secret })).body.secret;
const platformOrg = (await json('GET', '/v1/orgs', key)).body.data[0]?.id ?? '';

const acked = new Map<string, number>();
let stop = false;
const workers = Array.from({ length: 8 }, async () => {
  while (!stop) {
    try {
      const res = await json('GET', `/v1/orgs/${platformOrg}`, key);
      if (res.status === 200 && res.requestId) acked.set(res.requestId, performance.now());
    } catch {
      return;
    }
  }
});
await sleep(1500);
const killedAt = performance.now();
first.child.kill('SIGKILL');
stop = true;
await Promise.all(workers);

const second = await start();
const persisted = new Set<string>();
let after = 0;
for (;;) {
  const page = await json(
    'GET',
    `/v1/orgs/${platformOrg}/audit-events?limit=500&after_seq=${after}&action_prefix=authz.decision`,
    key,
  );
  for (const e of page.body.data) if (e.request_id) persisted.add(e.request_id);
  if (page.body.next_after_seq === null) break;
  after = page.body.next_after_seq;
}
second.child.kill('SIGTERM');

const lost = [...acked.entries()].filter(([id]) => !persisted.has(id));
const window = lost.length ? Math.max(...lost.map(([, t]) => killedAt - t)) : 0;
console.log(
  `backend ${process.env.DATABASE_URL ? 'postgresql' : 'pglite'}: acknowledged reads ${acked.size}, decisions persisted ${acked.size - lost.length}, lost ${lost.length}`,
);
console.log(
  `oldest lost acknowledgement was ${window.toFixed(0)} ms before the kill (responses wait for their decision's group commit, so the bound is zero)`,
);
