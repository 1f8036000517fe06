import { AppError } from '../../../lib/errors/index.js';

/** Longest template one prompt version may hold (characters). */
export const MAX_TEMPLATE = 32 * 1024;
/** Most variables one prompt version may declare. */
export const MAX_VARIABLES = 32;
/** Longest value one variable may be declared to take (characters). */
export const MAX_VARIABLE_LENGTH = 8 * 1024;

/** A variable a prompt version declares: its value is bounded and, unless optional, required. */
export interface PromptVariable {
  name: string;
  maxLength: number;
  required: boolean;
}

/** The content of one prompt version. */
export interface PromptContent {
  template: string;
  variables: PromptVariable[];
}

const VARIABLE_NAME = /^[a-z_][a-z0-9_]{0,63}$/;
// `{{ name }}` with optional spaces; any other `{{` is a malformed placeholder.
const PLACEHOLDER = /\{\{\s*([^{}\s]*)\s*\}\}/g;

function invalid(field: string, message: string): AppError {
  return new AppError('gateway.prompt_invalid', {
    publicMessage: `invalid ${field}: ${message}`,
    details: { issues: [{ field, message }] },
  });
}

/** The variable names a template uses, in order of first use; throws `gateway.prompt_invalid` on a malformed one. */
export function placeholdersOf(template: string): string[] {
  const names: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!VARIABLE_NAME.test(name))
      throw invalid('template', `placeholder {{${name.slice(0, 64)}}} is not a variable name`);
    if (!names.includes(name)) names.push(name);
  }
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) throw invalid('template', 'unbalanced {{ or }}');
  return names;
}

/**
 * Checks a prompt version's content: bounded template, placeholders that are declared variables, declared variables
 * that the template uses. Returns the content with its variables in declaration order.
 */
export function checkPromptContent(content: PromptContent): PromptContent {
  if (content.template.length === 0 || content.template.length > MAX_TEMPLATE)
    throw invalid('template', `1 to ${MAX_TEMPLATE} characters`);
  if (content.variables.length > MAX_VARIABLES) throw invalid('variables', `at most ${MAX_VARIABLES}`);
  const used = placeholdersOf(content.template);
  const declared = new Set<string>();
  for (const [i, v] of content.variables.entries()) {
    if (!VARIABLE_NAME.test(v.name)) throw invalid(`variables[${i}].name`, 'lowercase letters, digits, _ (at most 64)');
    if (declared.has(v.name)) throw invalid(`variables[${i}].name`, 'declared twice');
    if (!Number.isInteger(v.maxLength) || v.maxLength < 1 || v.maxLength > MAX_VARIABLE_LENGTH)
      throw invalid(`variables[${i}].max_length`, `1 to ${MAX_VARIABLE_LENGTH}`);
    declared.add(v.name);
  }
  for (const name of used) if (!declared.has(name)) throw invalid('template', `{{${name}}} is not declared`);
  for (const [i, v] of content.variables.entries())
    if (!used.includes(v.name)) throw invalid(`variables[${i}].name`, `${v.name} is not used by the template`);
  return { template: content.template, variables: content.variables.map((v) => ({ ...v })) };
}

function badVariable(name: string, message: string): AppError {
  return new AppError('gateway.prompt_variables_invalid', {
    publicMessage: `prompt variable ${name.slice(0, 64)}: ${message}`,
    details: { issues: [{ field: `body.bulwark.prompt.variables.${name.slice(0, 64)}`, message }] },
  });
}

/**
 * Fills a template's placeholders with the caller's values, each checked against its declaration (declared, within
 * `maxLength`, present when required; an absent optional one is empty).
 */
export function renderPrompt(content: PromptContent, values: Readonly<Record<string, string>>): string {
  const declared = new Map(content.variables.map((v) => [v.name, v]));
  for (const [name, value] of Object.entries(values)) {
    const variable = declared.get(name);
    if (!variable) throw badVariable(name, 'not declared by this prompt version');
    if (value.length > variable.maxLength) throw badVariable(name, `longer than ${variable.maxLength} characters`);
  }
  for (const v of content.variables)
    if (v.required && !Object.hasOwn(values, v.name)) throw badVariable(v.name, 'required');
  // SECURITY: one pass over the template: a value that itself looks like `{{other}}` is inserted as text, never
  // expanded, so a caller cannot pull in another variable's value or the template's own markup.
  return content.template.replace(PLACEHOLDER, (_, name: string) =>
    Object.hasOwn(values, name) ? (values[name] ?? '') : '',
  );
}
