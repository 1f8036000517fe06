import { z } from 'zod';
import type { Detector, DetectorManifest, Finding, ScanContext } from '../detector.js';

/** One org-configured term: a literal phrase (case-insensitive, whole words) or a regular expression. */
export const policyTermSchema = z.object({
  id: z.string().min(1).describe('Stable id of the term, reported in the reason code.'),
  term: z.string().min(1).max(500).describe('Phrase, or regular expression source when `regex` is true.'),
  regex: z.boolean().default(false).describe('Treat `term` as a regular expression (flags: i, u).'),
});

const params = z.object({ terms: z.array(policyTermSchema).max(1_000).default([]).describe('Terms this org forbids.') });

/** A policy term as configured. */
export type PolicyTerm = z.infer<typeof policyTermSchema>;

const manifest: DetectorManifest<typeof params> = {
  name: 'policy_terms',
  description: 'Per-org forbidden terms and patterns (competitor names, project code names, banned phrases).',
  hooks: ['input', 'output'],
  params,
};

/** Creates a detector for one org's policy terms; resolves terms per org through `termsFor` (orgs without terms get none). */
export function createPolicyTermsDetector(termsFor: (orgId: string | undefined) => readonly PolicyTerm[]): Detector {
  const cache = new Map<string, { id: string; pattern: RegExp }[]>();
  const compile = (orgId: string | undefined): { id: string; pattern: RegExp }[] => {
    const key = orgId ?? '';
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const compiled = termsFor(orgId).map((term) => ({
      id: term.id,
      // SECURITY: org regexes run on model output; they are length-capped by the schema, and operators are
      // expected to avoid nested quantifiers (no RE2 in the dependency set).
      pattern: term.regex ? new RegExp(term.term, 'giu') : new RegExp(`(?<![\\p{L}\\p{N}])${term.term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'giu'),
    }));
    cache.set(key, compiled);
    return compiled;
  };
  return {
    manifest,
    scan(text: string, ctx: ScanContext): Finding[] {
      const findings: Finding[] = [];
      for (const { id, pattern } of compile(ctx.orgId)) {
        pattern.lastIndex = 0;
        for (const match of text.matchAll(pattern)) {
          if (match[0] === '') break;
          findings.push({ class: 'moderation.policy_term', start: match.index, end: match.index + match[0].length, confidence: 1, reason: `guard.moderation.policy_term.${id}`, detector: manifest.name });
        }
      }
      return findings;
    },
  };
}
