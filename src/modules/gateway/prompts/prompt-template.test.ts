import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../lib/errors/index.js';
import { checkPromptContent, placeholdersOf, renderPrompt } from './prompt-template.js';

const codeOf = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (error) {
    return isAppError(error) ? error.code : 'not an AppError';
  }
};

describe('prompt templates', () => {
  const content = {
    template: 'Hello {{ name }}, about {{topic}}: {{name}}.',
    variables: [
      { name: 'name', maxLength: 20, required: true },
      { name: 'topic', maxLength: 20, required: false },
    ],
  };

  it('lists placeholders once, in order of first use, and refuses malformed ones', () => {
    expect(placeholdersOf(content.template)).toEqual(['name', 'topic']);
    expect(codeOf(() => placeholdersOf('{{Name}}'))).toBe('gateway.prompt_invalid');
    expect(codeOf(() => placeholdersOf('{{a}} }}'))).toBe('gateway.prompt_invalid');
    expect(codeOf(() => placeholdersOf('{{ }}'))).toBe('gateway.prompt_invalid');
  });

  it('fills every placeholder in one pass: a value that looks like a placeholder stays text', () => {
    expect(checkPromptContent(content)).toEqual(content);
    expect(renderPrompt(content, { name: '{{topic}}', topic: 'secrets' })).toBe(
      'Hello {{topic}}, about secrets: {{topic}}.',
    );
    expect(renderPrompt(content, { name: 'Ann' })).toBe('Hello Ann, about : Ann.');
  });

  it('refuses missing, undeclared and oversized variables', () => {
    expect(codeOf(() => renderPrompt(content, {}))).toBe('gateway.prompt_variables_invalid');
    expect(codeOf(() => renderPrompt(content, { name: 'a', extra: 'b' }))).toBe('gateway.prompt_variables_invalid');
    expect(codeOf(() => renderPrompt(content, { name: 'x'.repeat(21) }))).toBe('gateway.prompt_variables_invalid');
    expect(codeOf(() => renderPrompt(content, { name: 'a', constructor: 'b' }))).toBe(
      'gateway.prompt_variables_invalid',
    );
  });
});
