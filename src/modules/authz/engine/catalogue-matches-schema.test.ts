import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { actionCatalogue, actions, isAction } from '../actions.js';
import { roles } from '../principal.js';
import { loadPolicyBundle } from './policy-bundle.js';
import { resourceTypes } from './types.js';

const bundle = loadPolicyBundle();
const json = cedar.schemaToJson(bundle.schema);
const namespace = json.type === 'success' ? json.json[''] : undefined;

describe('action catalogue, roles and schema', () => {
  it('declares exactly the catalogue actions, each described', () => {
    expect(Object.keys(namespace?.actions ?? {}).sort()).toEqual([...actions].sort());
    for (const spec of actionCatalogue) expect(spec.description.length).toBeGreaterThan(10);
    expect(isAction('read:models')).toBe(true);
    expect(isAction('read:everything')).toBe(false);
  });

  it('declares every resource type', () => {
    const declared = Object.keys(namespace?.entityTypes ?? {});
    for (const type of resourceTypes) expect(declared).toContain(type);
  });

  it('gives every role a built-in policy', () => {
    for (const role of roles)
      expect([...bundle.policies.values()].some((text) => text.includes(`Role::"${role}"`))).toBe(true);
  });

  it('names every built-in policy', () => {
    expect([...bundle.policies.keys()]).toContain('tenant.boundary');
    expect(bundle.policies.size).toBeGreaterThanOrEqual(14);
  });
});
