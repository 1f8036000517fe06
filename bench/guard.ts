/**
 * The guard benchmark of the issue: rule detectors (PII + secrets + policy) and the embedding stage, each beside a
 * baseline of one plain regex pass over the same text. Run: npx tsx bench/guard.ts
 */
await import('./guard-rules.js');
await import('./guard-embedding.js');
await import('./guard-injection.js');
