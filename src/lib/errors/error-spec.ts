/** One entry of the error catalogue: the HTTP status and the public wording of a stable code. */
export interface ErrorSpec {
  /** HTTP status the code is rendered with. */
  readonly status: number;
  /** Short, human title; becomes the problem+json `title`. */
  readonly title: string;
  /** When the code is raised; documented in docs/reference/errors.md. */
  readonly description: string;
}

/** Declares a namespace's codes while keeping their literal keys for the `ErrorCode` union. */
export function defineErrors<const T extends Record<string, ErrorSpec>>(entries: T): T {
  return entries;
}
