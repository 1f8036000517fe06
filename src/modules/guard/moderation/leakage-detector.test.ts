import { describe, expect, it } from 'vitest';
import { createLeakageDetector } from './leakage-detector.js';

const emails = (text: string): { class: string; start: number; end: number }[] =>
  [...text.matchAll(/[\w.]+@[\w.]+\.\w+/g)].map((m) => ({
    class: 'pii.email',
    start: m.index,
    end: m.index + m[0].length,
  }));

describe('leakage detector', () => {
  const detector = createLeakageDetector({ findSensitive: emails });

  it('reports sensitive values absent from the input and ignores echoed ones', async () => {
    const findings = await detector.scan('Contact bob@corp.example or alice@corp.example', {
      hook: 'output',
      inputText: 'What is alice@corp.example?',
    });
    expect(findings.map((f) => f.class)).toEqual(['moderation.leakage']);
    expect(findings[0]?.reason).toBe('guard.moderation.leaked_pii_email');
  });

  it('reports the system prompt echoed back and canary tokens', async () => {
    const systemPrompt =
      'You are the support bot of Acme. Never discuss refunds above one hundred dollars with customers.';
    const output =
      'Sure! My instructions say: never discuss refunds above one hundred dollars with customers. Token zq-canary-91';
    const findings = await detector.scan(output, { hook: 'output', systemPrompt, canaryTokens: ['zq-canary-91'] });
    expect(findings.map((f) => f.class).sort()).toEqual(['moderation.canary_echo', 'moderation.system_prompt_echo']);
  });

  it('does not report short common overlaps with the system prompt', async () => {
    const findings = await detector.scan('You are welcome, happy to help.', {
      hook: 'output',
      systemPrompt: 'You are a helpful assistant.',
    });
    expect(findings).toEqual([]);
  });
});
