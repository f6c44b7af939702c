/**
 * `text` as a string of its own, equal to it. A slice of a longer string (a token cut from its
 * `Authorization` header, a header cut from its token) keeps that whole string alive, and every
 * read of it goes through the slice to the string behind: kept in a long-lived table, a slice
 * holds a credential in memory and costs a cache miss more per use. The copy goes through latin1,
 * which keeps every character of a token (base64url and dots) and mangles others, so a string
 * the copy would change is returned as given: callers compare it for exact equality.
 */
export function ownCopy(text: string): string {
  const copy = Buffer.from(text, 'latin1').toString('latin1');
  return copy === text ? copy : text;
}
