/** One permission requirement: all of the listed permissions, or any one of them. */
export interface PermissionRequirement {
  readonly mode: 'all' | 'any';
  readonly permissions: readonly string[];
}
