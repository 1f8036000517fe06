/**
 * Writes `src/modules/guard/data/injection-benign-traffic.jsonl`: benign gateway traffic that the public injection
 * corpora lack, so that the injection model does not learn "short" or "JSON" as attack signals.
 * - `bulwark/short-chat-turns`: the short turns a chat is full of (acknowledgements, choices, numbers, follow-ups).
 * - `bulwark/agent-traffic`: a conversation as the gateway scans it (system prompt, user request, tool-definition
 *   strings, tool-call arguments as JSON, the tool's answer), joined with the gateway's separator.
 * Deterministic: the same script writes the same file. Every value is invented.
 *
 * Run: npx tsx scripts/build-injection-benign-traffic.ts
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const out = new URL('../src/modules/guard/data/injection-benign-traffic.jsonl', import.meta.url);

// A seeded generator (SHA-256 of seed + counter), so the file is reproducible without a PRNG dependency.
function picker(seed: string): <T>(items: readonly T[]) => T {
  let counter = 0;
  return <T>(items: readonly T[]): T => {
    const digest = createHash('sha256').update(`${seed}:${counter++}`).digest();
    return items[digest.readUInt32BE(0) % items.length] as T;
  };
}

const acknowledgements = [
  'ok',
  'okay',
  'k',
  'yes',
  'yep',
  'yeah',
  'no',
  'nope',
  'sure',
  'thanks',
  'thank you',
  'ty',
  'thx',
  'got it',
  'perfect',
  'great',
  'cool',
  'nice',
  'sounds good',
  'lgtm',
  'fine',
  'agreed',
  'exactly',
  'right',
  'correct',
  'not quite',
  'hmm',
  'wow',
  'lol',
  'np',
  'done',
  'cheers',
  'understood',
  'makes sense',
  'good point',
  'oh I see',
];
const greetings = ['hi', 'hello', 'hey', 'hey there', 'good morning', 'good evening', 'yo', 'hiya', 'bye', 'see you'];
const followUps = [
  'go on',
  'continue',
  'next',
  'more',
  'again',
  'retry',
  'why?',
  'how?',
  'what?',
  'and then?',
  'really?',
  'example?',
  'shorter',
  'make it shorter',
  'more detail',
  'in French please',
  'in Spanish',
  'use Python',
  'in TypeScript',
  'explain',
  'explain more simply',
  'fix the typo',
  'add tests',
  'the second one',
  'the first option',
  'both',
  'neither',
  'which one is faster?',
  'is that correct?',
  'can you elaborate?',
  'what about Java?',
  'summarize',
  'as a table',
  'as a list',
  'bullet points please',
  'one more',
  'same but for Linux',
  'undo that',
  'keep going',
];
const choices = ['a', 'b', 'c', 'd', 'A', 'B', '1', '2', '3', 'option 2', 'q 1', 'q 3', '#4', '3)', 'b)', '1, 3 and 4'];
const numbers = ['42', '7', '0', '100', '3.14', '2024', '12:30', '15%', '-3', '1e6', '$20', '10 kg', '5 minutes'];
const endings = ['', '', '', '.', '!', '?', ' :)', ' 👍', '!!'];

function shortTurns(pick: ReturnType<typeof picker>, count: number): string[] {
  const seen = new Set<string>();
  for (let attempt = 0; seen.size < count && attempt < count * 20; attempt++) {
    const base = pick([acknowledgements, acknowledgements, greetings, followUps, followUps, choices, numbers]);
    let text = pick(base) + (base === numbers || base === choices ? '' : pick(endings));
    if (pick([0, 1, 2, 3]) === 0) text = text.charAt(0).toUpperCase() + text.slice(1);
    if (pick([0, 1, 2, 3, 4, 5]) === 0) text = `${pick(acknowledgements)}, ${pick(followUps)}`;
    seen.add(text);
  }
  return [...seen];
}

interface Tool {
  readonly name: string;
  readonly description: string;
  readonly params: readonly string[];
  readonly request: (pick: ReturnType<typeof picker>) => string;
  readonly args: (pick: ReturnType<typeof picker>) => Record<string, unknown>;
  readonly answer: (pick: ReturnType<typeof picker>) => string;
}

const cities = ['Rome', 'Paris', 'Berlin', 'Lagos', 'Osaka', 'Lima', 'Austin', 'Pune', 'Oslo', 'Cairo', 'Quito'];
const people = ['bob@example.com', 'ana@example.org', 'team@acme.test', 'li.wei@example.net', 'ops@example.com'];
const files = ['/src/index.ts', 'README.md', 'config/app.yaml', 'docs/setup.md', 'package.json', 'main.py'];
const tables = ['users', 'orders', 'invoices', 'events', 'products'];
const tickers = ['ACME', 'GLOBX', 'INIT', 'UMBR', 'WAYN'];

const tools: readonly Tool[] = [
  {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    params: ['city', 'unit'],
    request: (p) => `What's the weather in ${p(cities)} ${p(['today', 'tomorrow', 'this weekend', 'right now'])}?`,
    args: (p) => ({ city: p(cities), unit: p(['celsius', 'fahrenheit']) }),
    answer: (p) =>
      p([
        'rainy',
        `sunny, ${p(numbers.slice(0, 3))} C`,
        JSON.stringify({ temp: 18, conditions: 'cloudy', wind_kph: 12 }),
        'light snow, -2 C, wind 20 km/h',
      ]),
  },
  {
    name: 'search_documents',
    description: 'Search the company knowledge base',
    params: ['query', 'limit'],
    request: (p) => `Find ${p(['the latest sales report', 'our refund policy', 'onboarding docs', 'the Q3 roadmap'])}`,
    args: (p) => ({ query: p(['latest sales report', 'refund policy', 'onboarding', 'Q3 roadmap']), limit: 10 }),
    answer: (p) =>
      p([
        JSON.stringify([{ id: 1, title: 'Sales report Q3', score: 0.91 }]),
        JSON.stringify([
          { id: 7, title: 'Refund policy', snippet: 'Refunds are issued within 14 days of purchase.' },
          { id: 9, title: 'Returns FAQ', snippet: 'Items must be unused.' },
        ]),
        '[]',
        'No documents matched.',
      ]),
  },
  {
    name: 'read_file',
    description: 'Read a file from the repository',
    params: ['path'],
    request: (p) => `Open ${p(files)} and tell me what it does`,
    args: (p) => ({ path: p(files) }),
    answer: (p) =>
      p([
        'export const x = 1;',
        'import express from "express";\nconst app = express();\napp.get("/", (req, res) => res.send("ok"));\napp.listen(3000);',
        '{\n  "name": "demo",\n  "version": "1.2.0",\n  "scripts": { "test": "vitest run" }\n}',
        'def main():\n    print("hello")\n\nif __name__ == "__main__":\n    main()',
        'ENOENT: no such file or directory',
      ]),
  },
  {
    name: 'send_email',
    description: 'Send an e-mail on behalf of the user',
    params: ['to', 'subject', 'body'],
    request: (p) => `Email ${p(people)} that ${p(['lunch is at noon', 'the build is green', 'I will be late'])}`,
    args: (p) => ({ to: p(people), subject: p(['Lunch', 'Build status', 'Running late']), body: 'See you soon.' }),
    answer: (p) => p(['sent', JSON.stringify({ status: 'queued', id: 'msg_81f2' }), 'Message delivered.']),
  },
  {
    name: 'lookup_order',
    description: 'Look up an order by id',
    params: ['order_id'],
    request: (p) => `Where is my order ${p(['ord_123', 'A-5521', '#88412', 'ORD-2024-0097'])}?`,
    args: (p) => ({ order_id: p(['ord_123', 'A-5521', '88412', 'ORD-2024-0097']) }),
    answer: (p) =>
      p([
        'shipped on Monday',
        JSON.stringify({ status: 'in_transit', carrier: 'UPS', eta: '2026-03-14' }),
        'Order not found',
        JSON.stringify({ status: 'delivered', signed_by: 'front desk' }),
      ]),
  },
  {
    name: 'run_sql',
    description: 'Run a read-only SQL query against the analytics database',
    params: ['sql'],
    request: (p) => `How many ${p(tables)} did we get last week?`,
    args: (p) => ({ sql: `SELECT count(*) FROM ${p(tables)} WHERE created_at > now() - interval '7 days'` }),
    answer: (p) => p(['5 rows', JSON.stringify([{ count: 1284 }]), 'count\n-----\n  312\n(1 row)', 'ERROR: timeout']),
  },
  {
    name: 'get_stock_price',
    description: 'Get the latest price of a stock',
    params: ['ticker'],
    request: (p) => `What is ${p(tickers)} trading at?`,
    args: (p) => ({ ticker: p(tickers) }),
    answer: () => JSON.stringify({ price: 123.45, currency: 'USD', change_pct: -0.8 }),
  },
  {
    name: 'create_calendar_event',
    description: 'Create an event in the user calendar',
    params: ['title', 'start', 'duration_minutes'],
    request: (p) => `Book ${p(['a 1:1 with Sam', 'the team retro', 'a dentist appointment'])} next Tuesday at 10`,
    args: (p) => ({
      title: p(['1:1 with Sam', 'Team retro', 'Dentist']),
      start: '2026-03-10T10:00:00Z',
      duration_minutes: 30,
    }),
    answer: (p) => p(['created', JSON.stringify({ id: 'evt_42', status: 'confirmed' }), 'Conflict with "Standup"']),
  },
  {
    name: 'calculator',
    description: 'Evaluate an arithmetic expression',
    params: ['expression'],
    request: (p) => `What is ${p(['17 * 23', '2^10', '(3 + 4) / 2', 'sqrt(144)'])}?`,
    args: (p) => ({ expression: p(['17 * 23', '2^10', '(3 + 4) / 2', 'sqrt(144)']) }),
    answer: (p) => p(['391', '1024', '3.5', '12']),
  },
  {
    name: 'translate',
    description: 'Translate text into another language',
    params: ['text', 'target_language'],
    request: (p) =>
      `Translate "${p(['good morning', 'where is the station', 'thank you very much'])}" to ${p(['German', 'Japanese', 'Spanish'])}`,
    args: (p) => ({ text: p(['good morning', 'where is the station']), target_language: p(['de', 'ja', 'es']) }),
    answer: (p) => p(['Guten Morgen', 'Wo ist der Bahnhof?', 'おはようございます', 'Muchas gracias']),
  },
];

const systemPrompts = [
  '',
  'You are a helpful assistant.',
  'You are a support agent for Acme. Use the tools to answer questions about orders.',
  'You are a coding assistant. Be concise.',
  'Answer in the language of the user. Use tools when needed.',
];

// The gateway's separator between the texts of one scan (gateway/pipeline/prompt-segments.ts).
const separator = '\n\n.\n\n';

function toolStrings(tool: Tool): string[] {
  return [tool.name, tool.description, 'properties', ...tool.params, 'required'];
}

function agentExchange(pick: ReturnType<typeof picker>): string {
  const tool = pick(tools);
  const shape = pick(['args-answer', 'full', 'full', 'with-definitions', 'follow-up']);
  const args = JSON.stringify(tool.args(pick));
  const answer = tool.answer(pick);
  if (shape === 'args-answer') return ['', args, answer].join(separator);
  const conversation = [pick(systemPrompts), tool.request(pick), args, answer];
  if (shape === 'with-definitions') conversation.push(...toolStrings(tool));
  if (shape === 'follow-up') conversation.push(pick(['thanks', 'and tomorrow?', 'great, thanks!', 'ok']));
  return conversation.join(separator);
}

function agentTraffic(pick: ReturnType<typeof picker>, count: number): string[] {
  const seen = new Set<string>();
  for (let attempt = 0; seen.size < count && attempt < count * 20; attempt++) seen.add(agentExchange(pick));
  return [...seen];
}

const rows = [
  ...shortTurns(picker('bulwark-short-turns-v1'), 240).map((text) => ({
    text,
    label: 'benign',
    category: 'benign',
    source: 'bulwark/short-chat-turns:generated by scripts/build-injection-benign-traffic.ts',
  })),
  ...agentTraffic(picker('bulwark-agent-traffic-v1'), 300).map((text) => ({
    text,
    label: 'benign',
    category: 'benign',
    source: 'bulwark/agent-traffic:generated by scripts/build-injection-benign-traffic.ts',
  })),
];
writeFileSync(out, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
console.log(`wrote ${rows.length} rows to ${out.pathname}`);
