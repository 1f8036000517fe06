import type { CommitNotice } from './db.js';

/** The listeners of one Db's commit notices (in-process listeners that never throw, such as cache bookkeeping). */
export class CommitListeners {
  readonly #listeners = new Set<(notice: CommitNotice) => void>();

  /** Adds a listener; returns its removal. */
  add(listener: (notice: CommitNotice) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every listener each notice of a transaction that has just committed. */
  tell(notices: readonly CommitNotice[]): void {
    for (const notice of notices) for (const listener of this.#listeners) listener(notice);
  }
}
