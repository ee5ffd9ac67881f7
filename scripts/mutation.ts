// Mutation: one realistic bug, planted in src/ by exact text replacement, for the mutation audit.

/** One edit of one file under src/; `find` must occur exactly once in it. */
export interface Mutation {
  /** Short stable id, e.g. 'st-header-le'. */
  readonly id: string;
  /** The surface it belongs to (the audit's per-surface table). */
  readonly surface: string;
  /** Path relative to the repo root, under src/. */
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  readonly description: string;
  /**
   * Why this mutant cannot change behaviour (an equivalent mutant), when it cannot: the audit lists
   * it without running it and leaves it out of the catch rate.
   */
  readonly equivalent?: string;
}
