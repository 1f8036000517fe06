import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import type { Detector } from '../detector.js';
import { createPiiRulesDetector } from '../pii/pii-detector.js';
import { createSecretsDetector } from '../secrets/secrets-detector.js';
import { createGuardPipeline } from './guard-pipeline.js';

const secretDetectors = [createSecretsDetector()];
const detectors = [createPiiRulesDetector()];
const token = `ghp_${'aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY'}1234`;

describe('guard pipeline', () => {
  it('blocks PII and secrets in prompts by default, without raw values in findings', async () => {
    const p = createGuardPipeline({ secretDetectors, detectors });
    const r = await p.run(`mail jane@acme.io, token ${token}`, { hook: 'input' });
    expect(r.verdict).toBe('block');
    expect(r.findings.map((x) => x.class).sort()).toEqual(['pii.email', 'secret.github_token']);
    expect(JSON.stringify(r)).not.toContain('jane@acme.io');
    expect(JSON.stringify(r)).not.toContain(token);
    expect(r.transformed).toBeUndefined();
  });
  it('redacts with reversible tokens when the org policy says so', async () => {
    const p = createGuardPipeline({ secretDetectors, detectors, policy: { input: { 'pii.*': 'redact' } } });
    const r = await p.run('Email jane@acme.io about card 4111 1111 1111 1111', { hook: 'input' });
    expect(r.verdict).toBe('redact');
    expect(r.transformed).toBe('Email [[PII_EMAIL_1]] about card [[PII_PAYMENT_CARD_1]]');
    expect(r.vault).toEqual({ '[[PII_EMAIL_1]]': 'jane@acme.io', '[[PII_PAYMENT_CARD_1]]': '4111 1111 1111 1111' });
  });
  it('quarantines outputs that leak secrets and allows clean text', async () => {
    const p = createGuardPipeline({ secretDetectors, detectors });
    expect((await p.run(`here: ${token}`, { hook: 'output' })).verdict).toBe('quarantine');
    expect((await p.run('The capital of France is Paris.', { hook: 'input' })).verdict).toBe('allow');
  });
  it('hides secrets from later detectors', async () => {
    const seen: string[] = [];
    const spy: Detector = {
      manifest: { name: 'spy', description: 'records input', hooks: ['input'], params: z.object({}) },
      scan: (t) => {
        seen.push(t);
        return [];
      },
    };
    await createGuardPipeline({ secretDetectors, detectors: [spy] }).run(`token ${token}`, { hook: 'input' });
    expect(seen[0]).not.toContain(token);
    expect(seen[0]?.length).toBe(`token ${token}`.length);
  });
  it('fails closed when a detector throws', async () => {
    const broken: Detector = {
      manifest: { name: 'broken', description: 'throws', hooks: ['input'], params: z.object({}) },
      scan: () => {
        throw new Error('boom');
      },
    };
    const r = await createGuardPipeline({ secretDetectors, detectors: [broken] }).run('hello', { hook: 'input' });
    expect(r).toEqual({ verdict: 'block', findings: [], reasons: ['guard.detector_unavailable'] });
  });
});
