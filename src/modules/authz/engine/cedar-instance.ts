import { createRequire } from 'node:module';
import * as sharedCedar from '@cedar-policy/cedar-wasm/nodejs';

/** The cedar-wasm API: one WebAssembly instance with its own memory, stack and pre-parsed policy sets. */
export type CedarModule = typeof sharedCedar;

const require = createRequire(import.meta.url);
const CEDAR_PATH = require.resolve('@cedar-policy/cedar-wasm/nodejs');

/**
 * Loads a new cedar-wasm instance. The package's Node build is CommonJS and instantiates its .wasm when first
 * required, so dropping it from the require cache and requiring it again gives a separate instance (about 70 ms).
 */
export function loadCedarInstance(): CedarModule {
  // INVARIANT: the ESM import above keeps its own instance; only later require() calls see the new one.
  delete require.cache[CEDAR_PATH];
  try {
    return require(CEDAR_PATH) as CedarModule;
  } finally {
    delete require.cache[CEDAR_PATH];
  }
}

/** The process's first cedar-wasm instance (the one `import` gives); it parses the trusted built-in policies. */
export const builtinCedar: CedarModule = sharedCedar;

/**
 * Whether an error means the instance itself failed (a WebAssembly trap: stack overflow, out-of-bounds access,
 * `unreachable` after a Rust panic) rather than that Cedar rejected its input. A trapped instance may be left
 * inconsistent, so it must be thrown away.
 */
export function isInstanceFailure(error: unknown): boolean {
  // WebAssembly.RuntimeError (the lib types of this project do not declare its constructor).
  return (error instanceof Error && error.name === 'RuntimeError') || error instanceof RangeError;
}

let validation: CedarModule | undefined;

/**
 * Runs `fn` on the validation instance: the cedar-wasm instance that sees untrusted policy text, separate from
 * every instance that serves decisions. If it traps, the instance is replaced and the trap rethrown.
 */
export function withValidationInstance<T>(fn: (cedar: CedarModule) => T): T {
  validation ??= loadCedarInstance();
  try {
    return fn(validation);
  } catch (error) {
    // SECURITY: a trap may leave the instance corrupt; never reuse it.
    if (isInstanceFailure(error)) validation = undefined;
    throw error;
  }
}
