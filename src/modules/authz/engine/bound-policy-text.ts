import { measurePolicyNesting } from './measure-policy-nesting.js';
import { positionAtIndex } from './source-position.js';

/** Largest org policy text accepted, in UTF-8 bytes. */
export const MAX_ORG_POLICY_BYTES = 256 * 1024;
/**
 * Deepest bracket and `if` nesting accepted in a policy. cedar-wasm 4.13 overflows its stack (a WebAssembly trap)
 * at 75 nested `[` or `{`, 131 nested `(` and 107 nested `if` (measured); real policies nest 1 to 3 deep.
 */
export const MAX_POLICY_NESTING = 32;
/**
 * Deepest estimated expression tree accepted in a policy (brackets, operators, member accesses). cedar-wasm traps
 * at a chain of 107 `+`, 106 `.attr` or 104 method calls and 326 `&&`; the built-in policies reach 9.
 */
export const MAX_POLICY_DEPTH = 48;

/** Why a policy text was refused before Cedar saw it: a problem, its 1-based position, and whether it is malformed input. */
export interface PolicyTextViolation {
  message: string;
  line: number;
  column: number;
  /** NUL or an unpaired surrogate: the text is not valid policy text at all (400), rather than too large or deep (422). */
  malformed: boolean;
}

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks what must hold before untrusted policy text reaches Cedar: no NUL and no unpaired surrogate, at most
 * {@link MAX_ORG_POLICY_BYTES}, and nesting and expression depth within the limits. Linear in the text length.
 */
export function checkPolicyTextBounds(text: string): PolicyTextViolation | undefined {
  // SECURITY: cedar-wasm runs with a fixed stack; deep text traps the instance, so it is refused before Cedar runs.
  const nul = text.indexOf(String.fromCharCode(0));
  if (nul !== -1) return { message: 'text contains a NUL character', ...positionAtIndex(text, nul), malformed: true };
  const surrogate = LONE_SURROGATE.exec(text);
  if (surrogate !== null)
    return {
      message: 'text contains an unpaired UTF-16 surrogate',
      ...positionAtIndex(text, surrogate.index),
      malformed: true,
    };
  if (Buffer.byteLength(text, 'utf8') > MAX_ORG_POLICY_BYTES) {
    return { message: `policy text exceeds ${MAX_ORG_POLICY_BYTES} bytes`, line: 1, column: 1, malformed: false };
  }
  const nesting = measurePolicyNesting(text, { nesting: MAX_POLICY_NESTING, depth: MAX_POLICY_DEPTH });
  if (nesting.over === undefined) return undefined;
  const message =
    nesting.over === 'nesting'
      ? `policy nests brackets or if-expressions more than ${MAX_POLICY_NESTING} deep`
      : `policy expression is more than ${MAX_POLICY_DEPTH} operators deep; split it into several policies or use a set (e.g. ["a", "b"].contains(x))`;
  return { message, ...positionAtIndex(text, nesting.overAt ?? 0), malformed: false };
}
