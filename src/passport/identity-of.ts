/** Where a strategy's user object usually keeps its id, in the order they are looked at. */
const ID_FIELDS = ['identity', 'id', 'sub', 'userId'] as const;

/**
 * The identity a passport strategy's user names: a non-empty string or a number as it is, or
 * the first such value of an object's `identity`, `id`, `sub` or `userId` (what the NestJS docs'
 * strategies return); `undefined` when there is none.
 */
export function identityOf(user: unknown): string | undefined {
  if (typeof user === 'string' && user !== '') return user;
  if (typeof user === 'number') return String(user);
  if (typeof user === 'object' && user !== null) {
    for (const key of ID_FIELDS) {
      const value = (user as Record<string, unknown>)[key];
      if (typeof value === 'string' && value !== '') return value;
      if (typeof value === 'number') return String(value);
    }
  }
  return undefined;
}
