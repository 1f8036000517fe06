import { lintSource } from '@secretlint/core';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretScanner } from './evaluate-secrets-tree.js';

/**
 * secretlint with its recommended preset as a {@link SecretScanner}, so `guard eval --task secrets --baseline
 * secretlint` scores it on the same tree and truth as Bulwark's scanner (see docs/adr/0003-secrets-scanner.md).
 */
export const secretlintScanner: SecretScanner = async (text, path) => {
  const result = await lintSource({
    source: { filePath: path, content: text, contentType: 'text' },
    options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommendedPreset }] } },
  });
  return result.messages.map((m) => ({ start: m.range[0], end: m.range[1] }));
};
