import { createTwoFilesPatch } from 'diff';
import type { PromptVersion } from './repo.js';

// The variables are part of a version's content, so they are diffed too: one line per declaration after the template.
function asText(v: PromptVersion): string {
  const declarations = v.variables.map(
    (x) => `# variable ${x.name} max_length=${x.maxLength}${x.required ? ' required' : ' optional'}`,
  );
  return `${v.template}\n${declarations.join('\n')}${declarations.length ? '\n' : ''}`;
}

/** A unified diff (jsdiff) from one prompt version to another: the template, then the variable declarations. */
export function diffPromptVersions(from: PromptVersion, to: PromptVersion): string {
  return createTwoFilesPatch(
    `${from.name}@v${from.version}`,
    `${to.name}@v${to.version}`,
    asText(from),
    asText(to),
    undefined,
    undefined,
    { context: 3 },
  );
}
