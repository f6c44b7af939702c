/** The access rule a route carries: set by `@Public()` or `@Auth()`. */
export interface AccessRule {
  /** Anonymous callers are let in. */
  readonly public?: boolean;
  /** Only these backends may authenticate the route. Absent: any backend. */
  readonly backends?: readonly string[];
  /** Requires a fresh credential (issued by a credential check, not by a refresh). */
  readonly fresh?: boolean;
  /** With `fresh`: the credential must also be at most this many seconds old. */
  readonly freshWithinSeconds?: number;
}
