/** One entry of the error catalogue: the HTTP status and the public wording of a stable code. */
export interface ErrorSpec {
  /** HTTP status the code is rendered with. */
  readonly status: number;
  /** Short, human title; becomes the problem+json `title`. */
  readonly title: string;
  /** When the code is raised; documented in docs/reference/errors.md. */
  readonly description: string;
  /**
   * True while nothing in `src/` raises or reports the code yet (kept so the code is never reused for something
   * else). `error-catalogue-references.test.ts` fails when a reserved code is referenced or a non-reserved one is not.
   */
  readonly reserved?: true;
}

/** Declares a namespace's codes while keeping their literal keys for the `ErrorCode` union. */
export function defineErrors<const T extends Record<string, ErrorSpec>>(entries: T): T {
  return entries;
}
