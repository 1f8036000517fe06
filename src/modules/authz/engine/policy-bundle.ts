import { readdirSync, readFileSync } from 'node:fs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { AppError } from '../../../lib/errors/index.js';
import { scanPolicyText } from './scan-policy-text.js';
import { indexOfByteOffset, positionAtIndex } from './source-position.js';

/** The schema and the built-in policies, keyed by their `@id`. */
export interface PolicyBundle {
  readonly schema: string;
  readonly policies: ReadonlyMap<string, string>;
}

/** Where policies/ lives: the repository root, from both src/ and a build that mirrors it. */
export const defaultPolicyDir = new URL('../../../../policies/', import.meta.url);

/** Prefix of the Cedar ids of org policies; built-in ids may not use it. */
export const ORG_POLICY_PREFIX = 'org:';

function readDir(dir: URL, extension: string): { name: string; text: string }[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(extension))
    .sort()
    .map((name) => ({ name, text: readFileSync(new URL(name, dir), 'utf8') }));
}

function fail(problems: string[]): never {
  throw new AppError('authz.policy_invalid', { publicMessage: 'Built-in policies are invalid', details: { problems } });
}

/**
 * Loads policies/schema/*.cedarschema and policies/base/*.cedar, and checks that every built-in policy has a
 * unique `@id` and validates against the schema in strict mode. Throws at startup rather than run on a bad set.
 */
export function loadPolicyBundle(dir: URL = defaultPolicyDir): PolicyBundle {
  const schema = readDir(new URL('schema/', dir), '.cedarschema')
    .map((file) => file.text)
    .join('\n');
  const schemaCheck = cedar.checkParseSchema(schema);
  if (schemaCheck.type === 'failure') fail(schemaCheck.errors.map((error) => `schema: ${error.message}`));

  const policies = new Map<string, string>();
  const problems: string[] = [];
  for (const file of readDir(new URL('base/', dir), '.cedar')) {
    const validation = cedar.validate({
      schema,
      policies: { staticPolicies: file.text },
      validationSettings: { mode: 'strict' },
    });
    const errors =
      validation.type === 'failure' ? validation.errors : validation.validationErrors.map((entry) => entry.error);
    for (const error of errors) {
      const { line, column } = positionAtIndex(
        file.text,
        indexOfByteOffset(file.text, error.sourceLocations?.[0]?.start ?? 0),
      );
      problems.push(`${file.name}:${line}:${column}: ${error.message}`);
    }
    for (const chunk of scanPolicyText(file.text).chunks) {
      const answer = cedar.policyToJson(chunk.text);
      const id = answer.type === 'success' ? answer.json.annotations?.['id'] : undefined;
      const where = `${file.name}:${positionAtIndex(file.text, chunk.start).line}`;
      if (id === undefined) problems.push(`${where}: built-in policy without @id`);
      else if (id.startsWith(ORG_POLICY_PREFIX))
        problems.push(`${where}: @id "${id}" uses the reserved prefix ${ORG_POLICY_PREFIX}`);
      else if (policies.has(id)) problems.push(`${where}: duplicate @id "${id}"`);
      else policies.set(id, chunk.text);
    }
  }
  if (problems.length > 0) fail(problems);
  return { schema, policies };
}
