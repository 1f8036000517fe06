import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/** A secret value that prints, logs and serialises as `[redacted]`; `reveal()` is the one way out. */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** The wrapped value. Call only where the secret is used, never to log it. */
  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
