import type { RevocationSubject } from './revocation-store.js';

/**
 * What a store remembers of a subject's cut-offs: every token issued at or before `all` is
 * refused ("log out everywhere"), and so is every token issued at or before `except.before`
 * outside the refresh family `except.family` ("log out the other devices").
 *
 * Any number of cut-offs fold into this shape exactly, in any order: nothing one of them refuses
 * is ever let through again (see {@link mergeCutoff}).
 */
export interface SubjectCutoff {
  readonly all?: number;
  readonly except?: { readonly before: number; readonly family: string };
}

/**
 * `current` with one more cut-off: tokens issued at or before `before`, but those of
 * `exceptFamily` when given. The Redis store's Lua script does the same; keep them in step.
 */
export function mergeCutoff(
  current: SubjectCutoff | undefined,
  before: number,
  exceptFamily?: string,
): SubjectCutoff {
  let all = current?.all;
  let except = current?.except;
  if (exceptFamily === undefined) {
    all = Math.max(before, all ?? -Infinity);
  } else if (except === undefined || except.family === exceptFamily) {
    except = { before: Math.max(before, except?.before ?? -Infinity), family: exceptFamily };
  } else {
    // Sparing two different families: each family is refused by the other's cut-off, so up to
    // the earlier of the two every token is refused; past it only the later one applies.
    all = Math.max(Math.min(before, except.before), all ?? -Infinity);
    if (before > except.before) except = { before, family: exceptFamily };
  }
  if (except !== undefined && all !== undefined && all >= except.before) except = undefined;
  return { ...(all === undefined ? {} : { all }), ...(except === undefined ? {} : { except }) };
}

/** Whether `cutoff` refuses `token` (compared by its login time, see `TokenService`). */
export function cutoffRefuses(cutoff: SubjectCutoff, token: RevocationSubject): boolean {
  if (cutoff.all !== undefined && token.issuedAt <= cutoff.all) return true;
  const except = cutoff.except;
  return except !== undefined && token.issuedAt <= except.before && token.family !== except.family;
}

/**
 * Reads a cut-off as the Redis store writes it: `"<all>"`, or `"<all>|<before>|<family>"` with
 * an empty `<all>` when there is none. Plain numbers are what stores before `except` wrote.
 */
export function parseCutoff(value: string): SubjectCutoff {
  const first = value.indexOf('|');
  if (first === -1) return { all: Number(value) };
  const second = value.indexOf('|', first + 1);
  const all = value.slice(0, first);
  return {
    ...(all === '' ? {} : { all: Number(all) }),
    except: { before: Number(value.slice(first + 1, second)), family: value.slice(second + 1) },
  };
}
